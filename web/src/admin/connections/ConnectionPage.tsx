import { Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import grid from '../campaigns/Grid.module.css';
import { insightsSentence, isMoving } from './connection-logic';
import { SyncRunRow } from './SyncRunRow';

/** `/admin/connections/{id}`: the connection, sync now (admins), its runs with their figures and held removals. */
export function ConnectionPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const client = useQueryClient();
  const runs = useQuery({
    queryKey: ['syncs', id],
    queryFn: () =>
      unwrap(api.GET('/api/v1/connections/{id}/syncs', { params: { path: { id }, query: { limit: 20 } } })),
    // A queued or running sync is followed every second until it ends.
    refetchInterval: (q) => (isMoving(q.state.data?.items[0]) ? 1_000 : 15_000),
  });
  const connection = useQuery({
    // Keyed on the latest run's state too, so the run's end refetches the connection's status and last sync.
    queryKey: ['connection', id, runs.data?.items[0]?.id, runs.data?.items[0]?.status],
    queryFn: () => unwrap(api.GET('/api/v1/connections/{id}', { params: { path: { id } } })),
    refetchInterval: 15_000,
    placeholderData: (previous) => previous,
  });
  const sync = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/connections/{id}/syncs', { params: { path: { id } } })),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['syncs', id] }),
        client.invalidateQueries({ queryKey: ['connection', id] }),
      ]),
  });
  if (connection.isPending) return <Loading label="Loading the connection…" />;
  if (connection.isError)
    return <ErrorAlert error={connection.error} onRetry={() => void connection.refetch()} />;
  const c = connection.data;
  const facts: [string, string][] = [
    ['Organisation', c.orgId],
    ['Region', c.region],
    ['Credential', c.clientIdLast4 ? `${c.credentialType} (…${c.clientIdLast4})` : c.credentialType],
    ['Write access', c.writeAccess],
    [
      'Syncs every',
      c.syncIntervalMinutes === 0 ? 'never (manual syncs only)' : `${c.syncIntervalMinutes} min`,
    ],
    ['Last sync', formatDateTime(c.lastSyncAt)],
  ];
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Title order={1}>{c.name}</Title>
        <Badge
          size="lg"
          variant="light"
          color={c.status === 'ok' ? 'green' : 'red'}
          data-testid="connection-status"
        >
          {c.status}
        </Badge>
      </Group>
      <Paper withBorder p="md">
        <div className={grid.facts}>
          {facts.map(([k, v]) => (
            <Stack key={k} gap={0} data-testid={`fact-${k}`}>
              <Text size="xs" c="dimmed">
                {k}
              </Text>
              <Text size="sm">{v}</Text>
            </Stack>
          ))}
        </div>
        <Text size="sm" mt="sm" data-testid="connection-insights" data-insights={c.insights}>
          {insightsSentence(c.insights)}
          {c.insightsCheckedAt ? ` (checked ${formatDateTime(c.insightsCheckedAt)})` : ''}
        </Text>
      </Paper>
      {admin && (
        <Button w="fit-content" loading={sync.isPending} onClick={() => sync.mutate()}>
          Sync now
        </Button>
      )}
      {sync.isError && <ErrorAlert error={sync.error} />}
      <Title order={2} size="h3">
        Sync runs
      </Title>
      <QueryBlock query={runs} loading="Loading sync runs…" empty="No sync yet." emptyTestId="syncs-empty">
        {(data) => (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Sync runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Trigger</Table.Th>
                  <Table.Th>Figures</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((r) => (
                  <SyncRunRow key={r.id} run={r} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryBlock>
    </Stack>
  );
}
