import {
  Button,
  Group,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Switch,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ProblemList } from '../../components/ProblemList';
import grid from '../campaigns/Grid.module.css';
import {
  type Channel,
  CHANNEL_FIELDS,
  CHANNEL_TYPE_LABELS,
  type ChannelForm as Form,
  channelFormOf,
  channelProblems,
  emptyChannelForm,
  toCreateBody,
  toPatchBody,
} from './channel-logic';

/**
 * Create a channel, or edit `channel`. Secrets are write-only: the form never holds the stored value,
 * and an empty secret field on an edit keeps what is stored.
 */
export function ChannelForm({ channel, onDone }: { channel?: Channel; onDone: () => void }) {
  const editing = channel !== undefined;
  const [form, setForm] = useState<Form>(() => (channel ? channelFormOf(channel) : emptyChannelForm()));
  const titleId = useId();
  const client = useQueryClient();
  const problems = channelProblems(form, editing);
  const save = useMutation({
    mutationFn: () =>
      channel
        ? unwrap(
            api.PATCH('/api/v1/notification-channels/{id}', {
              params: { path: { id: channel.id } },
              body: toPatchBody(channel, form),
            }),
          )
        : unwrap(api.POST('/api/v1/notification-channels', { body: toCreateBody(form) })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['channels'] });
      onDone();
    },
  });
  const setField = (key: string, value: string) =>
    setForm((f) => ({ ...f, config: { ...f.config, [key]: value } }));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId} data-testid="channel-form">
      <Stack>
        <Title order={2} id={titleId} size="h3">
          {channel ? `Edit ${channel.name}` : 'New channel'}
        </Title>
        {!editing && (
          <SegmentedControl
            aria-label="Channel type"
            w="fit-content"
            value={form.type}
            onChange={(v) => setForm((f) => ({ ...emptyChannelForm(v), name: f.name }))}
            data={(['email', 'slack', 'webhook'] as const).map((t) => ({
              value: t,
              label: CHANNEL_TYPE_LABELS[t],
            }))}
          />
        )}
        <div className={grid.grid}>
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => {
              const name = e.currentTarget.value;
              setForm((f) => ({ ...f, name }));
            }}
          />
          {CHANNEL_FIELDS[form.type].map((field) =>
            field.secret ? (
              <PasswordInput
                key={field.key}
                label={field.label}
                required={field.required && !editing}
                description={
                  editing
                    ? `Stored and never shown; leave empty to keep it. ${field.description ?? ''}`
                    : field.description
                }
                autoComplete="new-password"
                value={form.config[field.key] ?? ''}
                onChange={(e) => setField(field.key, e.currentTarget.value)}
              />
            ) : (
              <TextInput
                key={field.key}
                label={field.label}
                required={field.required}
                description={field.description}
                value={form.config[field.key] ?? ''}
                onChange={(e) => setField(field.key, e.currentTarget.value)}
              />
            ),
          )}
        </div>
        <Switch
          label="Enabled: notifications go out through this channel"
          checked={form.enabled}
          onChange={(e) => {
            const enabled = e.currentTarget.checked;
            setForm((f) => ({ ...f, enabled }));
          }}
        />
        <ProblemList problems={problems} testId="channel-problems" />
        {save.isError && <ErrorAlert error={save.error} />}
        <Group>
          <Button disabled={problems.length > 0} loading={save.isPending} onClick={() => save.mutate()}>
            {editing ? 'Save changes' : 'Create channel'}
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
