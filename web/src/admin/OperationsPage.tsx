import { Badge, Button, Group, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { ErrorAlert } from '../components/ErrorAlert';
import { QueryBlock } from '../components/QueryBlock';
import { formatDateTime } from '../lib/format';
import { canAdminister } from '../shell/roles';
import { useMe } from '../shell/useMe';

type Status = components['schemas']['OperationStatus'];
const STATUSES: Status[] = ['failed', 'pending', 'running', 'succeeded', 'manual'];

/** `/admin/operations?status=failed`: the outbox of JumpCloud changes; admins retry failed ones. */
export function OperationsPage() {
  const [params, setParams] = useSearchParams();
  const status = (STATUSES as string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as Status)
    : 'failed';
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const client = useQueryClient();
  const ops = useQuery({
    queryKey: ['operations', status],
    queryFn: () =>
      unwrap(api.GET('/api/v1/provisioning-operations', { params: { query: { status, limit: 200 } } })),
  });
  const retry = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/provisioning-operations/{id}/retry', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['operations'] }),
  });
  return (
    <Stack>
      <Title order={1}>Provisioning operations</Title>
      <SegmentedControl
        aria-label="Status"
        value={status}
        onChange={(v) => setParams({ status: v }, { replace: true })}
        data={STATUSES}
        w="fit-content"
      />
      {retry.isError && <ErrorAlert error={retry.error} />}
      <QueryBlock
        query={ops}
        loading="Loading operations…"
        empty={`No ${status} operation.`}
        emptyTestId="operations-empty"
      >
        {(data) => (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label={`${status} operations`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Change</Table.Th>
                  <Table.Th>Why</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>Last error</Table.Th>
                  {admin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((o) => (
                  <Table.Tr key={o.id} data-testid="operation-row">
                    <Table.Td>{formatDateTime(o.createdAt)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={o.action === 'add_member' ? 'blue' : 'orange'}>
                        {o.action === 'add_member' ? 'add' : 'remove'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{o.reason}</Text>
                    </Table.Td>
                    <Table.Td>{o.attempts}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{o.lastError ?? '—'}</Text>
                    </Table.Td>
                    {admin && (
                      <Table.Td>
                        {o.status === 'failed' && (
                          <Group>
                            <Button size="xs" onClick={() => retry.mutate(o.id)} loading={retry.isPending}>
                              Retry
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryBlock>
    </Stack>
  );
}
