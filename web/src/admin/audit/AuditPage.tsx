import { Button, Code, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { LoadMore } from '../../components/LoadMore';
import { formatDateTime } from '../../lib/format';
import { usePaged } from '../../lib/usePaged';
import { usePrincipals } from '../../lib/usePrincipals';
import { type AuditFilters, dataLine, filtersFrom, filtersToParams, toQuery } from './audit-logic';
import classes from './Audit.module.css';
import { IntegrityPanel } from './IntegrityPanel';

/** The filter form: applied on submit, kept in the URL so a filtered view can be shared. */
function FiltersForm({ initial, onApply }: { initial: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const [f, setF] = useState<AuditFilters>(initial);
  const principals = usePrincipals();
  // Value and change handler of one text filter.
  const text = (key: 'action' | 'targetId' | 'since') => ({
    value: f[key] ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const v = e.currentTarget.value;
      setF((x) => ({ ...x, [key]: v }));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(f);
  };
  return (
    <form onSubmit={submit} aria-label="Audit filters">
      <Group align="flex-end">
        <TextInput label="Action" placeholder="e.g. campaign.closed" {...text('action')} />
        <Select
          label="Actor"
          placeholder="Anyone"
          clearable
          searchable
          data={(principals.data?.items ?? []).map((p) => ({ value: p.id, label: p.email }))}
          value={f.actorId ?? null}
          onChange={(v) => setF((x) => ({ ...x, actorId: v ?? undefined }))}
          w={280}
        />
        <TextInput label="Target id" {...text('targetId')} />
        <TextInput label="Since" type="date" {...text('since')} />
        <Button type="submit">Apply filters</Button>
        <Button
          variant="default"
          onClick={() => {
            setF({});
            onApply({});
          }}
        >
          Clear
        </Button>
      </Group>
    </form>
  );
}

/** `/admin/audit`: the audit log with filters and paging, and the chain's integrity (verify, checkpoint, keys). */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const query = toQuery(filters);
  const events = usePaged(['audit-events', query], (cursor) =>
    unwrap(api.GET('/api/v1/audit-events', { params: { query: { ...query, cursor, limit: 100 } } })),
  );
  const filtered = Object.keys(filters).length > 0;
  return (
    <Stack>
      <Title order={1}>Audit log</Title>
      <IntegrityPanel />
      <Title order={2} size="h3">
        Events
      </Title>
      <Text size="sm" c="dimmed">
        In chain order, oldest first; filter by date to reach recent events.
      </Text>
      <FiltersForm
        key={params.toString()}
        initial={filters}
        onApply={(f) => setParams(filtersToParams(f), { replace: true })}
      />
      <QueryBlock
        query={events}
        loading="Loading audit events…"
        empty={filtered ? 'No event matches these filters.' : 'The audit log is empty.'}
        emptyTestId="audit-empty"
      >
        {() => (
          <>
            <TableScroll label="Audit events (scrolls sideways)" minWidth={880}>
              <Table aria-label="Audit events">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Action</Table.Th>
                    <Table.Th>Actor</Table.Th>
                    <Table.Th>Target</Table.Th>
                    <Table.Th>Details</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {events.items.map((e) => (
                    <Table.Tr key={e.id} data-testid="audit-row" data-event-id={e.id}>
                      <Table.Td>{formatDateTime(e.at)}</Table.Td>
                      <Table.Td>
                        <Code>{e.action}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {e.actor.type === 'system' ? 'system' : (e.actor.email ?? e.actor.id)}
                        </Text>
                        <Text size="xs" c="dimmed">
                          via {e.actor.via}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {e.targetType ? (
                          <>
                            <Text size="sm">{e.targetType}</Text>
                            <Text size="xs" c="dimmed">
                              {e.targetId}
                            </Text>
                          </>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" ff="monospace" className={classes.wrap}>
                          {dataLine(e.data)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
            <LoadMore
              shown={events.items.length}
              hasMore={events.hasNextPage}
              loading={events.isFetchingNextPage}
              onMore={() => void events.fetchNextPage()}
              testId="audit-more"
            />
          </>
        )}
      </QueryBlock>
    </Stack>
  );
}
