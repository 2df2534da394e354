import { Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { ReviewSummaryEntry } from '../api/types';
import { formatDate, percent } from '../lib/format';
import classes from './ReviewProgress.module.css';

/** The reviewer's own progress per campaign (`GET /reviews/summary`). */
export function ReviewProgress({ entries }: { entries: ReviewSummaryEntry[] }) {
  if (entries.length === 0) return null;
  return (
    <section className={classes.grid} aria-label="My progress per campaign">
      {entries.map((e) => {
        const done = percent(e.decided, e.total);
        return (
          <Paper key={e.campaign.id} withBorder p="sm" data-testid="campaign-progress">
            <Stack gap={6}>
              <Group justify="space-between" wrap="nowrap">
                <Text
                  fw={600}
                  component={Link}
                  to={`/reviews?campaignId=${e.campaign.id}`}
                  td="none"
                  c="inherit"
                >
                  {e.campaign.name}
                </Text>
                <Text size="sm">due {formatDate(e.campaign.dueAt)}</Text>
              </Group>
              <Progress value={done} aria-label={`${e.campaign.name}: ${done}% decided`} />
              <Text size="sm">
                {e.decided} of {e.total} decided, {e.pending} to go
              </Text>
            </Stack>
          </Paper>
        );
      })}
    </section>
  );
}
