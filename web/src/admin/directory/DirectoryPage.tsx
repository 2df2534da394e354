import {
  Anchor,
  Badge,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { MoreButton } from '../../components/MoreButton';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import {
  accountName,
  type AccountKind,
  type DirectoryTab,
  viewFromSearch,
  viewToSearch,
} from './directory-logic';
import { useAccounts, useConnections, useGroups } from './useDirectory';

/** The search box, kind and connection filters, kept in the address so a view can be shared. */
function Filters({
  tab,
  q,
  kind,
  connectionId,
  onChange,
}: {
  tab: DirectoryTab;
  q: string;
  kind: AccountKind;
  connectionId: string;
  onChange: (f: { q: string; kind: AccountKind; connectionId: string }) => void;
}) {
  const connections = useConnections();
  const [text, setText] = useState(q);
  const [debounced] = useDebouncedValue(text, 300);
  useEffect(() => {
    if (debounced !== q) onChange({ q: debounced, kind, connectionId });
    // Only a settled change of the text searches; the other filters apply at once below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  const connectionOptions = (connections.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }));
  return (
    <Group align="flex-end" wrap="wrap" gap="sm">
      <TextInput
        label={tab === 'accounts' ? 'Search accounts' : 'Search groups'}
        description={tab === 'accounts' ? 'Email, username or name' : 'Group name'}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        w={260}
      />
      {tab === 'accounts' && (
        <Select
          label="Kind"
          data={[
            { value: '', label: 'Users and administrators' },
            { value: 'user', label: 'Users' },
            { value: 'admin', label: 'Administrators' },
          ]}
          value={kind}
          onChange={(v) => onChange({ q: text, kind: v ?? '', connectionId })}
          allowDeselect={false}
          w={220}
          comboboxProps={{ withinPortal: false }}
        />
      )}
      <Select
        label="Connection"
        data={[{ value: '', label: 'Every connection' }, ...connectionOptions]}
        value={connectionId}
        onChange={(v) => onChange({ q: text, kind, connectionId: v ?? '' })}
        allowDeselect={false}
        w={220}
        comboboxProps={{ withinPortal: false }}
      />
    </Group>
  );
}

function AccountsTab({ q, kind, connectionId }: { q: string; kind: AccountKind; connectionId: string }) {
  const accounts = useAccounts({ q, kind, connectionId });
  return (
    <QueryBlock
      query={accounts}
      loading="Loading accounts…"
      empty="No account matches."
      emptyTestId="accounts-empty"
    >
      {(data) => (
        <Stack>
          <TableScroll minWidth={640} label="Accounts">
            <Table aria-label="Accounts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Department, title</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.pages
                  .flatMap((p) => p.items)
                  .map((a) => (
                    <Table.Tr key={a.id} data-testid="account-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/directory/accounts/${a.id}`}>
                          {accountName(a)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{a.email ?? '—'}</Table.Td>
                      <Table.Td>{a.kind === 'admin' ? 'administrator' : 'user'}</Table.Td>
                      <Table.Td>
                        <Badge
                          variant="light"
                          color={a.removedAt ? 'gray' : a.state === 'ACTIVATED' ? 'green' : 'orange'}
                        >
                          {a.removedAt ? 'removed' : a.state.toLowerCase()}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{[a.department, a.jobTitle].filter(Boolean).join(', ') || '—'}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
          <MoreButton query={accounts} />
        </Stack>
      )}
    </QueryBlock>
  );
}

function GroupsTab({ q, connectionId }: { q: string; connectionId: string }) {
  const groups = useGroups({ q, connectionId });
  return (
    <QueryBlock query={groups} loading="Loading groups…" empty="No group matches." emptyTestId="groups-empty">
      {(data) => (
        <Stack>
          <TableScroll minWidth={560} label="Groups">
            <Table aria-label="Groups">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Members</Table.Th>
                  <Table.Th>Membership</Table.Th>
                  <Table.Th>Applications</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.pages
                  .flatMap((p) => p.items)
                  .map((g) => (
                    <Table.Tr key={g.id} data-testid="group-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/directory/groups/${g.id}`}>
                          {g.name}
                        </Anchor>
                        {g.removedAt && (
                          <Badge ml="xs" variant="light" color="gray">
                            removed
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>{g.memberCount}</Table.Td>
                      <Table.Td>{g.membershipMethod.toLowerCase().replaceAll('_', ' ')}</Table.Td>
                      <Table.Td>{g.applications.map((x) => x.name).join(', ') || '—'}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
          <MoreButton query={groups} />
        </Stack>
      )}
    </QueryBlock>
  );
}

/** `/admin/directory`: the synced accounts and groups, searched and filtered; each leads to its page. */
export function DirectoryPage() {
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => viewFromSearch(params), [params]);
  const f = view.tab === 'accounts' ? view.accounts : { ...view.groups, kind: '' as AccountKind };
  return (
    <Stack>
      <Title order={1}>Directory</Title>
      <Text size="sm" c="dimmed">
        jumpgate&apos;s copy of each connection&apos;s JumpCloud directory, as of its last sync.
      </Text>
      <SegmentedControl
        aria-label="Show"
        value={view.tab}
        onChange={(v) =>
          setParams(viewToSearch(v === 'groups' ? 'groups' : 'accounts', f), { replace: true })
        }
        data={[
          { value: 'accounts', label: 'Accounts' },
          { value: 'groups', label: 'Groups' },
        ]}
        w="fit-content"
      />
      <Filters
        key={view.tab}
        tab={view.tab}
        q={f.q}
        kind={f.kind}
        connectionId={f.connectionId}
        onChange={(next) => setParams(viewToSearch(view.tab, next), { replace: true })}
      />
      {view.tab === 'accounts' ? <AccountsTab {...view.accounts} /> : <GroupsTab {...view.groups} />}
    </Stack>
  );
}
