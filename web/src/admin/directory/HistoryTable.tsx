import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { MoreButton } from '../../components/MoreButton';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDateTime } from '../../lib/format';
import { changedByText } from './directory-logic';
import { useHistory, useNames } from './useDirectory';

/**
 * The membership history of an account (each row names the group) or of a group (each row names the
 * account), newest first, from the history routes.
 */
export function HistoryTable({ of, id }: { of: 'account' | 'group'; id: string }) {
  const history = useHistory(of, id);
  const entries = history.data?.pages.flatMap((p) => p.items) ?? [];
  // The other side of each entry: the group on an account's page, the account on a group's.
  const other = of === 'account' ? 'group' : 'account';
  const otherIds = [...new Set(entries.map((e) => (of === 'account' ? e.groupId : e.accountId)))];
  const names = useNames(other, otherIds);
  return (
    <QueryBlock
      query={history}
      loading="Loading the membership history…"
      empty="No membership change recorded since the first sync."
      emptyTestId="history-empty"
    >
      {() => (
        <Stack>
          <TableScroll minWidth={560} label="Membership history">
            <Table aria-label="Membership history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Change</Table.Th>
                  <Table.Th>{other === 'group' ? 'Group' : 'Account'}</Table.Th>
                  <Table.Th>By</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e, i) => {
                  const otherId = of === 'account' ? e.groupId : e.accountId;
                  return (
                    <Table.Tr key={`${e.at}.${otherId}.${i}`} data-testid="history-row">
                      <Table.Td>{formatDateTime(e.at)}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={e.action === 'added' ? 'blue' : 'orange'}>
                          {e.action}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/directory/${other}s/${otherId}`}>
                          {names.get(otherId) ?? otherId}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{changedByText(e)}</Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </TableScroll>
          <MoreButton query={history} label="Show older changes" />
        </Stack>
      )}
    </QueryBlock>
  );
}
