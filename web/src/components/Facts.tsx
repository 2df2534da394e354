import { Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import classes from './Facts.module.css';

/** A resource's facts as labelled values in responsive columns (CSS grid: no injected <style>). */
export function Facts({ facts }: { facts: [string, ReactNode][] }) {
  return (
    <Paper withBorder p="md">
      <div className={classes.facts}>
        {facts.map(([k, v]) => (
          <Stack key={k} gap={0} data-testid={`fact-${k}`}>
            <Text size="xs" c="dimmed">
              {k}
            </Text>
            <Text size="sm" component="div">
              {v}
            </Text>
          </Stack>
        ))}
      </div>
    </Paper>
  );
}
