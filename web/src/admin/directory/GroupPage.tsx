import { Anchor, Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { Facts } from '../../components/Facts';
import { MoreButton } from '../../components/MoreButton';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDate } from '../../lib/format';
import { accountName } from './directory-logic';
import { HistoryTable } from './HistoryTable';
import { useGroup, useGroupMembers } from './useDirectory';

function Members({ id }: { id: string }) {
  const members = useGroupMembers(id);
  return (
    <QueryBlock query={members} loading="Loading members…" empty="No member." emptyTestId="members-empty">
      {(data) => (
        <Stack>
          <TableScroll minWidth={560} label="Members">
            <Table aria-label="Members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Member</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Member since</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.pages
                  .flatMap((p) => p.items)
                  .map((m) => (
                    <Table.Tr key={m.id} data-testid="member-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/directory/accounts/${m.id}`}>
                          {accountName(m)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{m.email ?? '—'}</Table.Td>
                      <Table.Td>{m.state.toLowerCase()}</Table.Td>
                      <Table.Td>{formatDate(m.since)}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
          <MoreButton query={members} />
        </Stack>
      )}
    </QueryBlock>
  );
}

/** `/admin/directory/groups/{id}`: a group, its members and since when, its applications, history, policy. */
export function GroupPage() {
  const { id = '' } = useParams();
  const group = useGroup(id);
  return (
    <QueryBlock query={group} loading="Loading the group…">
      {(g) => (
        <Stack>
          <Group gap="sm" align="center">
            <Title order={1}>{g.name}</Title>
            {g.removedAt && (
              <Badge variant="light" color="gray">
                removed
              </Badge>
            )}
          </Group>
          {g.description && <Text>{g.description}</Text>}
          <Facts
            facts={[
              ['Members', String(g.memberCount)],
              ['Membership', g.membershipMethod.toLowerCase().replaceAll('_', ' ')],
              ['Applications', g.applications.map((x) => x.name).join(', ') || 'none'],
              ['JumpCloud id', g.externalId],
              [
                'Access policy',
                <Anchor key="policy" component={Link} to={`/admin/directory/groups/${g.id}/policy`}>
                  Requests and approvals for this group
                </Anchor>,
              ],
            ]}
          />
          <Title order={2} size="h3">
            Members
          </Title>
          <Members id={g.id} />
          <Title order={2} size="h3">
            Membership history
          </Title>
          <HistoryTable of="group" id={g.id} />
        </Stack>
      )}
    </QueryBlock>
  );
}
