import { SegmentedControl, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { progressBars } from './campaign-logic';
import classes from './ProgressChart.module.css';

type By = 'reviewer' | 'group';

/**
 * Progress per reviewer or group as horizontal bars, each with its numbers in text, so the chart reads the
 * same to a screen reader. Plain elements: a chart library would not fit the JavaScript budget. React sets
 * the widths through the CSSOM, which the CSP's style-src does not govern.
 */
export function ProgressChart({
  campaignId,
  by,
  onBy,
}: {
  campaignId: string;
  by: By;
  onBy: (by: By) => void;
}) {
  const progress = useQuery({
    queryKey: ['campaign-progress', campaignId, by],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/campaigns/{id}/progress', { params: { path: { id: campaignId }, query: { by } } }),
      ),
    refetchInterval: 10_000,
  });
  const title = by === 'reviewer' ? 'Progress by reviewer' : 'Progress by group';
  return (
    <Stack gap="sm" data-testid="progress-chart">
      <SegmentedControl
        aria-label="Progress by"
        value={by}
        onChange={onBy}
        data={[
          { value: 'reviewer', label: 'By reviewer' },
          { value: 'group', label: 'By group' },
        ]}
        w="fit-content"
      />
      {progress.isPending ? (
        <Loading label="Loading progress…" />
      ) : progress.isError ? (
        <ErrorAlert error={progress.error} onRetry={() => void progress.refetch()} />
      ) : progress.data.items.length === 0 ? (
        <Text data-testid="progress-empty">No item yet: the campaign has not been launched.</Text>
      ) : (
        <ul aria-label={title} className={classes.list}>
          {progressBars(progress.data.items, by === 'reviewer' ? 'No reviewer' : 'No group').map((b) => (
            <li key={b.id} data-testid="progress-bar" className={classes.item}>
              <Text size="sm" fw={600}>
                {b.label}
              </Text>
              <div className={classes.track} aria-hidden>
                <div className={classes.bar} style={{ width: `${b.percent}%` }} />
              </div>
              <Text size="sm">{b.text}</Text>
            </li>
          ))}
        </ul>
      )}
    </Stack>
  );
}
