import { Anchor, Badge, Button, Stack, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { ConnectionCreateForm } from './ConnectionCreateForm';

/** `/admin/connections`: the JumpCloud organisations jumpgate reads; admins add new ones here. */
export function ConnectionsPage() {
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['connections'],
    queryFn: () => unwrap(api.GET('/api/v1/connections', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1}>Connections</Title>
      {admin && !creating && (
        <Button w="fit-content" onClick={() => setCreating(true)}>
          New connection
        </Button>
      )}
      {admin && creating && <ConnectionCreateForm />}
      <QueryBlock
        query={list}
        loading="Loading connections…"
        empty="No connection yet."
        emptyTestId="connections-empty"
      >
        {(data) => (
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label="Connections">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Organisation</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last sync</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((c) => (
                  <Table.Tr key={c.id} data-testid="connection-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/admin/connections/${c.id}`}>
                        {c.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{c.orgId}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={c.status === 'ok' ? 'green' : 'red'}>
                        {c.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatDateTime(c.lastSyncAt)}</Table.Td>
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
