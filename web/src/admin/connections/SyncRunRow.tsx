import { Badge, Button, Group, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../../lib/format';
import { heldSummary, isMoving, runStats, type SyncRun } from './connection-logic';
import { HeldRemovals } from './HeldRemovals';

/** One sync run: status, trigger, figures, error, and the removals it held (listed below it on demand). */
export function SyncRunRow({ run: r }: { run: SyncRun }) {
  const [heldOpen, setHeldOpen] = useState(false);
  const held = heldSummary(r);
  return (
    <>
      <Table.Tr data-testid="sync-row">
        <Table.Td>{formatDateTime(r.startedAt ?? r.createdAt)}</Table.Td>
        <Table.Td>
          <Badge
            variant="light"
            color={r.status === 'failed' ? 'red' : r.status === 'succeeded' ? 'green' : 'blue'}
          >
            {r.status}
          </Badge>
        </Table.Td>
        <Table.Td>{r.trigger}</Table.Td>
        <Table.Td>
          <Text size="sm">{isMoving(r) ? 'In progress…' : runStats(r)}</Text>
          {held && (
            <Group gap="xs">
              <Text size="sm" fw={600} data-testid="sync-held">
                {held}
              </Text>
              <Button
                size="xs"
                variant="light"
                aria-expanded={heldOpen}
                onClick={() => setHeldOpen(!heldOpen)}
              >
                {heldOpen ? 'Hide held removals' : 'Show held removals'}
              </Button>
            </Group>
          )}
          {r.error && (
            <Text size="sm" c="red">
              {r.error}
            </Text>
          )}
        </Table.Td>
      </Table.Tr>
      {heldOpen && (
        <Table.Tr>
          <Table.Td colSpan={4}>
            <HeldRemovals runId={r.id} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
