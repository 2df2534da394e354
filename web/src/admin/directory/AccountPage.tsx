import { Anchor, Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { Facts } from '../../components/Facts';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDate, formatDateTime } from '../../lib/format';
import { AccountAccess } from './AccountAccess';
import { AccountActivity } from './AccountActivity';
import { accountName } from './directory-logic';
import { HistoryTable } from './HistoryTable';
import { useAccount, useNames } from './useDirectory';

/** `/admin/directory/accounts/{id}`: an account, the groups it is in now, and its membership history. */
export function AccountPage() {
  const { id = '' } = useParams();
  const account = useAccount(id);
  const managerId = account.data?.managerAccountId;
  const manager = useNames('account', managerId ? [managerId] : []);
  return (
    <QueryBlock query={account} loading="Loading the account…">
      {(a) => (
        <Stack>
          <Group gap="sm" align="center">
            <Title order={1}>{accountName(a)}</Title>
            <Badge
              variant="light"
              color={a.removedAt ? 'gray' : a.state === 'ACTIVATED' ? 'green' : 'orange'}
            >
              {a.removedAt ? 'removed' : a.state.toLowerCase()}
            </Badge>
            {a.kind === 'admin' && (
              <Badge variant="light" color="grape">
                JumpCloud administrator
              </Badge>
            )}
          </Group>
          <Facts
            facts={[
              ['Email', a.email ?? '—'],
              ['Username', a.username ?? '—'],
              ['Department', a.department ?? '—'],
              ['Title', a.jobTitle ?? '—'],
              [
                'Manager',
                managerId ? (
                  <Anchor component={Link} to={`/admin/directory/accounts/${managerId}`}>
                    {manager.get(managerId) ?? managerId}
                  </Anchor>
                ) : (
                  '—'
                ),
              ],
              ...(a.kind === 'admin'
                ? [['Administrator roles', a.adminRoles.join(', ') || '—'] as [string, string]]
                : []),
              ['JumpCloud id', a.externalId],
              ['Last changed', formatDateTime(a.updatedAt)],
            ]}
          />
          <Title order={2} size="h3">
            Groups
          </Title>
          {a.groups.length === 0 ? (
            <Text data-testid="account-groups-empty">In no group now.</Text>
          ) : (
            <TableScroll minWidth={360} label="Groups of this account">
              <Table aria-label="Groups of this account">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th>Member since</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.groups.map((g) => (
                    <Table.Tr key={g.groupId} data-testid="account-group-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/directory/groups/${g.groupId}`}>
                          {g.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{formatDate(g.since)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
          )}
          <AccountAccess accountId={a.id} />
          {a.kind === 'user' && <AccountActivity accountId={a.id} />}
          <Title order={2} size="h3">
            Membership history
          </Title>
          <HistoryTable of="account" id={a.id} />
        </Stack>
      )}
    </QueryBlock>
  );
}
