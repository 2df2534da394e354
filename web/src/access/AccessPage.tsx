import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { AccessRequest, CatalogEntry, Grant } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { countdown, formatDate, formatDateTime, formatMinutes } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useMe } from '../shell/useMe';
import { grantState, searchCatalog, sentMessage, stepSummary } from './access-logic';
import { RequestModal } from './RequestModal';
import {
  useCancelRequest,
  useCatalog,
  useEndGrant,
  useGroups,
  useMyAccounts,
  useMyGrants,
  useMyRequests,
} from './useAccess';

// A scheduled grant is live too: it holds the group's place until its start (API.md).
const LIVE_GRANT = new Set<Grant['status']>(['scheduled', 'provisioning', 'active', 'revoking']);
const requestBadge = (r: AccessRequest) => (r.breakGlass ? `${r.status} (break-glass)` : r.status);
const REQUEST_COLOR = {
  pending: 'blue',
  approved: 'green',
  denied: 'red',
  cancelled: 'gray',
  expired: 'gray',
} as const;

export function AccessPage() {
  const me = useMe();
  const accounts = useMyAccounts(me.data);
  const grants = useMyGrants();
  const requests = useMyRequests();
  const catalog = useCatalog();
  const endGrant = useEndGrant();
  const cancel = useCancelRequest();
  const now = useNow();
  const [query, setQuery] = useState('');
  const [requesting, setRequesting] = useState<{ entry: CatalogEntry; extend: boolean } | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  const liveGrants = (grants.data?.items ?? []).filter((g) => LIVE_GRANT.has(g.status));
  const grantByGroup = new Map(liveGrants.map((g) => [g.groupId, g]));
  // A scheduled grant has not started: a request for its group is not an extension of it.
  const extendable = (groupId: string) => {
    const g = grantByGroup.get(groupId);
    return !!g && g.status !== 'scheduled';
  };
  const memberships = accounts.flatMap((q) => (q.data ? q.data.groups : []));
  const standing = memberships.filter((m) => !grantByGroup.has(m.groupId));
  const groups = useGroups([
    ...liveGrants.map((g) => g.groupId),
    ...(requests.data?.items ?? []).map((r) => r.groupId),
  ]);
  const catalogByGroup = useMemo(
    () => new Map((catalog.data?.items ?? []).map((e) => [e.group.id, e])),
    [catalog.data],
  );
  const found = useMemo(() => searchCatalog(catalog.data?.items ?? [], query), [catalog.data, query]);
  const groupName = (id: string) => groups.get(id)?.name ?? catalogByGroup.get(id)?.group.name ?? id;

  return (
    <Stack gap="lg">
      <Title order={1}>My access</Title>
      {sent && (
        <Text role="status" c="green">
          {sent}
        </Text>
      )}

      <section aria-labelledby="reach">
        <Title order={2} size="h3" id="reach" mb="xs">
          What I reach now
        </Title>
        {grants.isError && <ErrorAlert error={grants.error} onRetry={() => void grants.refetch()} />}
        {accounts.some((q) => q.isError) && <ErrorAlert error={accounts.find((q) => q.isError)?.error} />}
        {grants.isPending || accounts.some((q) => q.isPending) ? (
          <Loading label="Loading your access…" />
        ) : liveGrants.length === 0 && standing.length === 0 ? (
          <Text>
            You are in no group yet{me.data?.accounts.length ? '' : ': no directory account is linked to you'}
            .
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={520}>
            <Table aria-label="Groups I am in">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Group</Table.Th>
                  <Table.Th>How</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {liveGrants.map((g) => {
                  const entry = catalogByGroup.get(g.groupId);
                  return (
                    <Table.Tr key={g.id} data-testid="grant-row">
                      <Table.Td>{groupName(g.groupId)}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={g.status === 'active' ? 'green' : 'blue'} mr="xs">
                          grant {g.status}
                        </Badge>
                        <Text span size="sm" data-testid="countdown">
                          {g.status === 'active'
                            ? countdown(g.expiresAt, now)
                            : (grantState(g) ?? 'being applied in JumpCloud')}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs">
                          {entry && g.status === 'active' && (
                            <Button
                              size="xs"
                              variant="light"
                              onClick={() => setRequesting({ entry, extend: true })}
                            >
                              Extend
                            </Button>
                          )}
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            loading={endGrant.isPending}
                            disabled={g.status !== 'active'}
                            onClick={() =>
                              endGrant.mutate({ id: g.id, reason: 'Ended by the holder in the web app' })
                            }
                          >
                            End now
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
                {standing.map((m) => (
                  <Table.Tr key={m.groupId}>
                    <Table.Td>{m.name}</Table.Td>
                    <Table.Td>
                      <Text size="sm">standing, since {formatDate(m.since)}</Text>
                    </Table.Td>
                    <Table.Td />
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {endGrant.isError && <ErrorAlert error={endGrant.error} />}
      </section>

      <section aria-labelledby="request">
        <Title order={2} size="h3" id="request" mb="xs">
          Request access
        </Title>
        <TextInput
          label="Search the catalog"
          placeholder="Group or application"
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          maw={400}
          mb="sm"
        />
        {catalog.isPending ? (
          <Loading label="Loading the catalog…" />
        ) : catalog.isError ? (
          <ErrorAlert error={catalog.error} onRetry={() => void catalog.refetch()} />
        ) : found.length === 0 ? (
          <Text>
            {catalog.data.items.length === 0
              ? 'No group is open to requests for you.'
              : 'No requestable group matches this search.'}
          </Text>
        ) : (
          <Stack gap="xs">
            {found.map((e) => (
              <Paper key={e.group.id} withBorder p="sm" data-testid="catalog-entry">
                <Group justify="space-between" wrap="nowrap">
                  <div>
                    <Text fw={600}>{e.group.name}</Text>
                    <Text size="sm">
                      {e.group.applications.map((a) => a.name).join(', ') || 'No application'} · up to{' '}
                      {formatMinutes(e.maxDurationMinutes)}
                      {e.requireJustification ? ' · justification required' : ''}
                    </Text>
                  </div>
                  <Button
                    size="xs"
                    onClick={() => setRequesting({ entry: e, extend: extendable(e.group.id) })}
                    aria-label={`${extendable(e.group.id) ? 'Extend' : 'Request'} ${e.group.name}`}
                  >
                    {extendable(e.group.id) ? 'Extend' : 'Request'}
                  </Button>
                </Group>
              </Paper>
            ))}
          </Stack>
        )}
      </section>

      <section aria-labelledby="mine">
        <Title order={2} size="h3" id="mine" mb="xs">
          My requests
        </Title>
        {requests.isPending ? (
          <Loading label="Loading your requests…" />
        ) : requests.isError ? (
          <ErrorAlert error={requests.error} onRetry={() => void requests.refetch()} />
        ) : requests.data.items.length === 0 ? (
          <Text>You have made no request.</Text>
        ) : (
          <Table.ScrollContainer minWidth={520}>
            <Table aria-label="My requests">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Group</Table.Th>
                  <Table.Th>Asked</Table.Th>
                  <Table.Th>For</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...requests.data.items].reverse().map((r) => (
                  <Table.Tr key={r.id} data-testid="request-row">
                    <Table.Td>{groupName(r.groupId)}</Table.Td>
                    <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
                    <Table.Td>{formatMinutes(r.durationMinutes)}</Table.Td>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/requests/${r.id}`}
                        // Begins with the badge's own text, so the name says what is seen.
                        aria-label={`${requestBadge(r)}: the request for ${groupName(r.groupId)}, in detail`}
                      >
                        <Badge variant="light" color={REQUEST_COLOR[r.status]}>
                          {requestBadge(r)}
                        </Badge>
                      </Anchor>
                      <Text size="xs" data-testid="request-state">
                        {stepSummary(r) ?? (r.grant ? grantState(r.grant) : null)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {r.status === 'pending' && (
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => cancel.mutate(r.id)}
                          loading={cancel.isPending}
                        >
                          Cancel
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {cancel.isError && <ErrorAlert error={cancel.error} />}
      </section>

      {requesting && (
        <RequestModal
          entry={requesting.entry}
          extend={requesting.extend}
          onClose={(made: AccessRequest | null) => {
            if (made) setSent(sentMessage(made, requesting.entry.group.name));
            setRequesting(null);
          }}
        />
      )}
    </Stack>
  );
}
