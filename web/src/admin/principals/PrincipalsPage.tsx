import { Anchor, Button, Group, Stack, Table, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDate } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { PrincipalCreateForm } from './PrincipalCreateForm';
import { RoleBadges } from './RoleBadges';
import { usePrincipals } from './usePrincipals';

/** `/admin/principals`: the people and services that use jumpgate, with their roles; admins add new ones. */
export function PrincipalsPage() {
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const [creating, setCreating] = useState(false);
  const list = usePrincipals();
  return (
    <Stack>
      <Title order={1}>Principals</Title>
      {admin && !creating && (
        <Button w="fit-content" onClick={() => setCreating(true)}>
          New principal
        </Button>
      )}
      {admin && creating && <PrincipalCreateForm onCancel={() => setCreating(false)} />}
      <QueryBlock
        query={list}
        loading="Loading principals…"
        empty="No principal yet."
        emptyTestId="principals-empty"
      >
        {(data) => (
          <TableScroll minWidth={640} label="Principals">
            <Table aria-label="Principals">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Since</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((p) => (
                  <Table.Tr key={p.id} data-testid="principal-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/admin/principals/${p.id}`}>
                        {p.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{p.displayName ?? '—'}</Table.Td>
                    <Table.Td>{p.kind}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <RoleBadges principal={p} />
                      </Group>
                    </Table.Td>
                    <Table.Td>{formatDate(p.createdAt)}</Table.Td>
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
