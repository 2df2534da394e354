import { Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { type Channel, CHANNEL_TYPE_LABELS, channelSummary } from './channel-logic';
import { ChannelForm } from './ChannelForm';
import { DeliveriesSection } from './DeliveriesSection';

export function useChannels() {
  return useQuery({
    queryKey: ['channels'],
    queryFn: () => unwrap(api.GET('/api/v1/notification-channels', { params: { query: { limit: 500 } } })),
  });
}

/** One channel's row: its settings (secrets only as "set"), and for admins edit, enable/disable and a test. */
function ChannelRow({ c, admin, onEdit }: { c: Channel; admin: boolean; onEdit: () => void }) {
  const client = useQueryClient();
  const toggle = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/v1/notification-channels/{id}', {
          params: { path: { id: c.id } },
          body: { enabled: !c.enabled },
        }),
      ),
    onSettled: () => client.invalidateQueries({ queryKey: ['channels'] }),
  });
  const test = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/notification-channels/{id}/test', { params: { path: { id: c.id } } })),
  });
  // Deleting asks once more in the row: the channel's past deliveries stay listed, its future ones stop.
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE('/api/v1/notification-channels/{id}', { params: { path: { id: c.id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['channels'] }),
  });
  return (
    <Table.Tr data-testid="channel-row" data-channel-id={c.id}>
      <Table.Td>
        <Text size="sm" fw={600}>
          {c.name}
        </Text>
      </Table.Td>
      <Table.Td>{CHANNEL_TYPE_LABELS[c.type]}</Table.Td>
      <Table.Td>
        <Text size="sm">{channelSummary(c)}</Text>
        {test.data &&
          (test.data.ok ? (
            <Text size="sm" c="green" data-testid="channel-test">
              Test passed: the channel accepted the connection.
            </Text>
          ) : (
            <Text size="sm" c="red" data-testid="channel-test">
              Test failed: {test.data.error}
            </Text>
          ))}
        {test.isError && <ErrorAlert error={test.error} />}
        {toggle.isError && <ErrorAlert error={toggle.error} />}
        {remove.isError && <ErrorAlert error={remove.error} />}
        {confirming && (
          <Group gap="xs" mt="xs" data-testid="channel-delete-confirm">
            <Text size="sm">Delete {c.name}? Nothing more goes out through it.</Text>
            <Button
              size="xs"
              color="red"
              loading={remove.isPending}
              onClick={() => remove.mutate()}
              aria-label={`Yes, delete ${c.name}`}
            >
              Delete
            </Button>
            <Button size="xs" variant="default" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
          </Group>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light" color={c.enabled ? 'green' : 'gray'}>
          {c.enabled ? 'enabled' : 'disabled'}
        </Badge>
      </Table.Td>
      {admin && (
        <Table.Td>
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" variant="default" onClick={onEdit} aria-label={`Edit ${c.name}`}>
              Edit
            </Button>
            <Button
              size="xs"
              variant="light"
              color={c.enabled ? 'red' : 'green'}
              loading={toggle.isPending}
              onClick={() => toggle.mutate()}
              aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
            >
              {c.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button
              size="xs"
              variant="light"
              loading={test.isPending}
              onClick={() => test.mutate()}
              aria-label={`Test ${c.name}`}
            >
              Test
            </Button>
            <Button
              size="xs"
              variant="subtle"
              color="red"
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${c.name}`}
            >
              Delete
            </Button>
          </Group>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** `/admin/notifications`: the channels notifications go out through, and every delivery with its state. */
export function NotificationsPage() {
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const channels = useChannels();
  // null: no form; 'new': the create form; an id: that channel's edit form.
  const [editing, setEditing] = useState<string | null>(null);
  const edited = channels.data?.items.find((c) => c.id === editing);
  return (
    <Stack>
      <Title order={1}>Notifications</Title>
      <Title order={2} size="h3">
        Channels
      </Title>
      {admin && editing === null && (
        <Button w="fit-content" onClick={() => setEditing('new')}>
          New channel
        </Button>
      )}
      {admin && editing === 'new' && <ChannelForm onDone={() => setEditing(null)} />}
      {admin && edited && <ChannelForm key={edited.id} channel={edited} onDone={() => setEditing(null)} />}
      <QueryBlock
        query={channels}
        loading="Loading channels…"
        empty={`No channel yet: nobody is told anything until ${admin ? 'you add' : 'an admin adds'} one for email, Slack or a webhook.`}
        emptyTestId="channels-empty"
      >
        {(data) => (
          <TableScroll label="Notification channels (scrolls sideways)" minWidth={720}>
            <Table aria-label="Notification channels">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Settings</Table.Th>
                  <Table.Th>State</Table.Th>
                  {admin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((c) => (
                  <ChannelRow key={c.id} c={c} admin={admin} onEdit={() => setEditing(c.id)} />
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
      </QueryBlock>
      <DeliveriesSection channels={channels.data?.items ?? []} />
    </Stack>
  );
}
