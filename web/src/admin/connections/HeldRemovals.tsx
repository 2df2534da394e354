import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { heldPage } from './connection-logic';

const PAGE = 25;

/**
 * The removals a sync run held back (rule 1), from `GET /syncs/{id}/held`. Names come from the
 * directory routes, one page at a time; an id whose lookup fails is shown as the id itself.
 */
export function HeldRemovals({ runId }: { runId: string }) {
  const [page, setPage] = useState(0);
  const held = useQuery({
    queryKey: ['held', runId],
    queryFn: () => unwrap(api.GET('/api/v1/syncs/{id}/held', { params: { path: { id: runId } } })),
  });
  const { rows, accountIds, groupIds, pages } = heldPage(held.data?.items ?? [], page, PAGE);
  const accounts = useQueries({
    queries: accountIds.map((id) => ({
      queryKey: ['account', id],
      queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const groups = useQueries({
    queries: groupIds.map((id) => ({
      queryKey: ['group', id],
      queryFn: () => unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const accountName = new Map(
    accounts.flatMap((q, i) =>
      q.data ? [[accountIds[i], `${q.data.displayName ?? q.data.email} <${q.data.email}>`]] : [],
    ),
  );
  const groupName = new Map(groups.flatMap((q, i) => (q.data ? [[groupIds[i], q.data.name]] : [])));
  if (held.isPending) return <Loading label="Loading held removals…" />;
  if (held.isError) return <ErrorAlert error={held.error} onRetry={() => void held.refetch()} />;
  if (held.data.items.length === 0) return <Text size="sm">This run held no removal.</Text>;
  return (
    <Stack gap="xs" data-testid="held-removals">
      <Text size="sm">
        {held.data.items.length} removals were held back: the next sync that finds the same set applies them.
      </Text>
      <Table aria-label="Held removals">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Removal</Table.Th>
            <Table.Th>Account</Table.Th>
            <Table.Th>Group</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((h) => (
            <Table.Tr key={`${h.kind}.${h.accountId}.${h.groupId ?? ''}`} data-testid="held-row">
              <Table.Td>
                <Badge variant="light" color={h.kind === 'account' ? 'orange' : 'blue'}>
                  {h.kind}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{accountName.get(h.accountId) ?? `account ${h.accountId}`}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {h.groupId ? (groupName.get(h.groupId) ?? `group ${h.groupId}`) : '— (the whole account)'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {pages > 1 && (
        <Group gap="xs">
          <Button size="xs" variant="default" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </Button>
          <Text size="sm">
            Page {page + 1} of {pages}
          </Text>
          <Button size="xs" variant="default" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            Next
          </Button>
        </Group>
      )}
    </Stack>
  );
}
