import { Anchor, Badge, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQueries } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { MoreButton } from '../../components/MoreButton';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatMinutes } from '../../lib/format';
import { useState } from 'react';
import { useGroups } from '../directory/useDirectory';

/** Groups per page here: each row reads its group's policy (there is no list of policies in the API). */
const PAGE = 25;

/** `/admin/policies`: groups with their access policy at a glance; each leads to its policy page. */
export function PoliciesPage() {
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('q') ?? '');
  const [q] = useDebouncedValue(text.trim(), 300);
  const groups = useGroups({ q, connectionId: '' }, PAGE);
  const rows = (groups.data?.pages.flatMap((p) => p.items) ?? []).filter((g) => !g.removedAt);
  const policies = useQueries({
    queries: rows.map((g) => ({
      queryKey: ['policy', g.id],
      queryFn: () => unwrap(api.GET('/api/v1/groups/{id}/policy', { params: { path: { id: g.id } } })),
    })),
  });
  return (
    <Stack>
      <Title order={1}>Group policies</Title>
      <Text size="sm" c="dimmed">
        Who may request each group, who approves, and for how long.
      </Text>
      <TextInput
        label="Search groups"
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setParams(e.currentTarget.value.trim() ? { q: e.currentTarget.value.trim() } : {}, {
            replace: true,
          });
        }}
        w={260}
      />
      <QueryBlock
        query={groups}
        loading="Loading groups…"
        empty="No group matches."
        emptyTestId="policies-empty"
      >
        {() => (
          <Stack>
            <TableScroll minWidth={560} label="Group policies">
              <Table aria-label="Group policies">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Group</Table.Th>
                    <Table.Th>Requests</Table.Th>
                    <Table.Th>Owners</Table.Th>
                    <Table.Th>Longest grant</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((g, i) => {
                    const p = policies[i];
                    return (
                      <Table.Tr key={g.id} data-testid="policy-row">
                        <Table.Td>
                          <Anchor component={Link} to={`/admin/directory/groups/${g.id}/policy`}>
                            {g.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          {p?.data ? (
                            <Badge variant="light" color={p.data.requestable ? 'green' : 'gray'}>
                              {p.data.requestable ? 'requestable' : 'not requestable'}
                            </Badge>
                          ) : p?.isError ? (
                            <Text size="sm" c="red">
                              could not load
                            </Text>
                          ) : (
                            '…'
                          )}
                        </Table.Td>
                        <Table.Td>{p?.data ? p.data.ownerIds.length : '…'}</Table.Td>
                        <Table.Td>{p?.data ? formatMinutes(p.data.maxDurationMinutes) : '…'}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </TableScroll>
            <MoreButton query={groups} />
          </Stack>
        )}
      </QueryBlock>
    </Stack>
  );
}
