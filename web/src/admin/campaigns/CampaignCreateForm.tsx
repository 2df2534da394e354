import { Button, Group, List, Paper, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { CampaignFieldsInputs } from './CampaignFields';
import grid from './Grid.module.css';
import { type CampaignForm, emptyForm, formProblems, toCreateBody } from './campaign-logic';

const MODES = [
  { value: 'full', label: 'Full: every membership in scope' },
  { value: 'delta', label: 'Delta: only what is not certified' },
];

/** Connections, principals and the chosen connection's groups, for the campaign and template forms. */
export function usePickers(connectionId: string) {
  const connections = useQuery({
    queryKey: ['connections'],
    queryFn: () => unwrap(api.GET('/api/v1/connections', { params: { query: { limit: 200 } } })),
  });
  const principals = useQuery({
    queryKey: ['principals'],
    queryFn: () => unwrap(api.GET('/api/v1/principals', { params: { query: { limit: 200 } } })),
  });
  const groups = useQuery({
    queryKey: ['groups', connectionId],
    enabled: connectionId !== '',
    queryFn: () => unwrap(api.GET('/api/v1/groups', { params: { query: { connectionId, limit: 500 } } })),
  });
  return { connections, principals, groups };
}

/** Create a campaign: the scope preview (items, groups, reviewers and their counts) comes before saving. */
export function CampaignCreateForm() {
  const [form, setForm] = useState<CampaignForm>(() => emptyForm(new Date()));
  const [previewed, setPreviewed] = useState<string | null>(null);
  const set = (patch: Partial<CampaignForm>) => setForm((f) => ({ ...f, ...patch }));
  const { connections, principals, groups } = usePickers(form.connectionId);
  const navigate = useNavigate();
  const client = useQueryClient();
  const problems = formProblems(form, new Date());
  const body = toCreateBody(form);
  const current = JSON.stringify(body);

  const preview = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/campaigns/preview', { body })),
    onSuccess: () => setPreviewed(current),
  });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/campaigns', { body })),
    onSuccess: async (c) => {
      await client.invalidateQueries({ queryKey: ['campaigns'] });
      void navigate(`/admin/campaigns/${c.id}`);
    },
  });
  const people = (principals.data?.items ?? [])
    .filter((p) => !p.disabled && p.kind === 'person')
    .map((p) => ({ value: p.id, label: p.displayName ? `${p.displayName} <${p.email}>` : p.email }));
  const fresh = previewed === current && preview.data;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-campaign">
      <Stack>
        <Title order={2} id="new-campaign" size="h3">
          New campaign
        </Title>
        {connections.isError && <ErrorAlert error={connections.error} />}
        {principals.isError && <ErrorAlert error={principals.error} />}
        {groups.isError && <ErrorAlert error={groups.error} />}
        <div className={grid.grid}>
          <Select
            label="Connection"
            required
            data={(connections.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={form.connectionId || null}
            onChange={(v) => set({ connectionId: v ?? '', groupIds: [] })}
          />
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
          />
        </div>
        <Textarea
          label="Description"
          value={form.description}
          onChange={(e) => set({ description: e.currentTarget.value })}
        />
        <CampaignFieldsInputs
          value={form}
          onChange={set}
          groups={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
          people={people}
          groupsDisabled={!form.connectionId}
        />
        <div className={grid.grid}>
          <TextInput
            label="Due date (end of day, UTC)"
            type="date"
            required
            value={form.dueDate}
            onChange={(e) => set({ dueDate: e.currentTarget.value })}
          />
          <Select
            label="Mode"
            description="Delta reviews only memberships without a valid certification; the rest are carried."
            data={MODES}
            value={form.mode}
            allowDeselect={false}
            onChange={(v) => set({ mode: (v ?? 'full') as CampaignForm['mode'] })}
          />
          <TextInput
            label="Certify kept memberships for (days)"
            description="Closing certifies each kept membership this long."
            type="number"
            min={1}
            required
            value={form.certificationValidDays}
            onChange={(e) => set({ certificationValidDays: e.currentTarget.value })}
          />
        </div>
        {problems.length > 0 && (
          <List size="sm" data-testid="form-problems">
            {problems.map((p) => (
              <List.Item key={p}>{p}</List.Item>
            ))}
          </List>
        )}
        {preview.isError && <ErrorAlert error={preview.error} />}
        {create.isError && <ErrorAlert error={create.error} />}
        {fresh && <PreviewSummary preview={preview.data} />}
        {preview.data && !fresh && (
          <Text size="sm" c="dimmed">
            The form changed since the preview: preview again before creating.
          </Text>
        )}
        <Group>
          <Button
            variant="light"
            disabled={problems.length > 0}
            loading={preview.isPending}
            onClick={() => preview.mutate()}
          >
            Preview scope
          </Button>
          <Button
            disabled={!fresh || problems.length > 0}
            loading={create.isPending}
            onClick={() => create.mutate()}
          >
            Create campaign
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function PreviewSummary({
  preview,
}: {
  preview: {
    items: number;
    groups: number;
    fallbackItems: number;
    reviewers: { id: string | null; displayName: string | null; email: string; items: number }[];
  };
}) {
  return (
    <Stack gap="xs" data-testid="scope-preview" aria-live="polite">
      <Text fw={600}>
        {preview.items} items in {preview.groups} groups, {preview.reviewers.length} reviewers,{' '}
        {preview.fallbackItems} to the fallback reviewer
      </Text>
      <List size="sm" aria-label="Reviewers and their items">
        {preview.reviewers.map((r) => (
          <List.Item key={r.id ?? r.email}>
            {r.displayName ?? r.email}
            {r.id === null ? ' (no principal yet: created at launch)' : ''}: {r.items} items
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}
