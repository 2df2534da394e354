import { Badge, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { LoadMore } from '../../components/LoadMore';
import { formatDateTime } from '../../lib/format';
import {
  isNotificationKind,
  isNotificationStatus,
  kindLabel,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationStatus,
} from '../../lib/notification-kinds';
import { usePaged } from '../../lib/usePaged';
import { usePrincipals } from '../../lib/usePrincipals';
import type { Channel } from './channel-logic';

const STATUS_COLOR: Record<NotificationStatus, string> = {
  pending: 'blue',
  sent: 'green',
  failed: 'red',
  suppressed: 'gray',
};

/** Every delivery (one per recipient and channel) with its state, filtered by status, kind and recipient in the URL. */
export function DeliveriesSection({ channels }: { channels: Channel[] }) {
  const [params, setParams] = useSearchParams();
  const status = isNotificationStatus(params.get('status'))
    ? (params.get('status') as NotificationStatus)
    : undefined;
  const rawKind = params.get('kind');
  const kind = isNotificationKind(rawKind) ? rawKind : undefined;
  const recipientId = params.get('recipientId') ?? undefined;
  const setFilter = (key: string, value: string | null) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  const principals = usePrincipals();
  const emailOf = new Map((principals.data?.items ?? []).map((p) => [p.id, p.email]));
  const nameOf = new Map(channels.map((c) => [c.id, c.name]));
  const list = usePaged(['notifications', status, kind, recipientId], (cursor) =>
    unwrap(
      api.GET('/api/v1/notifications', {
        params: { query: { status, kind, recipientId, cursor, limit: 100 } },
      }),
    ),
  );
  return (
    <Stack component="section" aria-labelledby="deliveries-title">
      <Title order={2} size="h3" id="deliveries-title">
        Deliveries
      </Title>
      <Group align="flex-end">
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={NOTIFICATION_STATUSES.map((s) => ({ value: s, label: s }))}
          value={status ?? null}
          onChange={(v) => setFilter('status', v)}
          w={180}
        />
        <Select
          label="Kind"
          placeholder="Any kind"
          clearable
          searchable
          data={NOTIFICATION_KINDS.map((k) => ({ value: k, label: `${kindLabel(k)} (${k})` }))}
          value={kind ?? null}
          onChange={(v) => setFilter('kind', v)}
          w={320}
        />
        <Select
          label="Recipient"
          placeholder="Anyone"
          clearable
          searchable
          data={(principals.data?.items ?? []).map((p) => ({ value: p.id, label: p.email }))}
          value={recipientId ?? null}
          onChange={(v) => setFilter('recipientId', v)}
          w={280}
        />
      </Group>
      <QueryBlock
        query={list}
        loading="Loading deliveries…"
        empty={
          status || kind || recipientId ? 'No delivery matches these filters.' : 'Nothing has been sent yet.'
        }
        emptyTestId="deliveries-empty"
      >
        {() => (
          <>
            <TableScroll label="Deliveries (scrolls sideways)" minWidth={880}>
              <Table aria-label="Deliveries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Kind</Table.Th>
                    <Table.Th>Recipient</Table.Th>
                    <Table.Th>Channel</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>Last error</Table.Th>
                    <Table.Th>Sent</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.items.map((n) => (
                    <Table.Tr key={n.id} data-testid="delivery-row">
                      <Table.Td>{formatDateTime(n.createdAt)}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{kindLabel(n.kind)}</Text>
                        <Text size="xs" c="dimmed">
                          {n.kind}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{emailOf.get(n.recipientId) ?? n.recipientId}</Text>
                      </Table.Td>
                      <Table.Td>{nameOf.get(n.channelId) ?? 'a deleted channel'}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={STATUS_COLOR[n.status]}>
                          {n.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{n.attempts}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{n.lastError ?? '—'}</Text>
                      </Table.Td>
                      <Table.Td>{formatDateTime(n.sentAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </TableScroll>
            <LoadMore
              shown={list.items.length}
              hasMore={list.hasNextPage}
              loading={list.isFetchingNextPage}
              onMore={() => void list.fetchNextPage()}
              testId="deliveries-more"
            />
          </>
        )}
      </QueryBlock>
    </Stack>
  );
}
