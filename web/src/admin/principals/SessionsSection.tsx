import { Alert, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDateTime } from '../../lib/format';
import { type Principal, usePrincipalSessions } from './usePrincipals';

/** The principal's live sign-in sessions; an admin ends them all at once (the API ends them together). */
export function SessionsSection({ principal, admin }: { principal: Principal; admin: boolean }) {
  const client = useQueryClient();
  const sessions = usePrincipalSessions(principal.id);
  const end = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE('/api/v1/principals/{id}/sessions', { params: { path: { id: principal.id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['principal-sessions', principal.id] }),
  });
  const live = sessions.data?.items.length ?? 0;
  return (
    <Stack component="section" aria-labelledby="sessions">
      <Title order={2} size="h3" id="sessions">
        Sessions
      </Title>
      {admin && live > 0 && (
        <Group>
          <Button
            color="red"
            variant="light"
            w="fit-content"
            loading={end.isPending}
            onClick={() => end.mutate()}
          >
            End every session
          </Button>
          <Text size="sm" c="dimmed">
            The person must sign in again on every browser.
          </Text>
        </Group>
      )}
      {end.isError && <ErrorAlert error={end.error} />}
      {end.isSuccess && live === 0 && (
        <Alert color="green" role="status">
          Every session ended.
        </Alert>
      )}
      <QueryBlock
        query={sessions}
        loading="Loading sessions…"
        empty="No live session."
        emptyTestId="sessions-empty"
      >
        {(data) => (
          <TableScroll minWidth={560} label="Sessions">
            <Table aria-label="Sessions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Signed in</Table.Th>
                  <Table.Th>Last seen</Table.Th>
                  <Table.Th>Ends</Table.Th>
                  <Table.Th>Browser</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((s) => (
                  <Table.Tr key={s.id} data-testid="session-row">
                    <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                    <Table.Td>{formatDateTime(s.lastSeenAt)}</Table.Td>
                    <Table.Td>{formatDateTime(s.expiresAt)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={2}>
                        {s.userAgent ?? '—'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
      </QueryBlock>
    </Stack>
  );
}
