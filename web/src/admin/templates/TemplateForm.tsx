import { Button, Group, List, Paper, Select, Stack, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { usePickers } from '../campaigns/CampaignCreateForm';
import { CampaignFieldsInputs } from '../campaigns/CampaignFields';
import grid from '../campaigns/Grid.module.css';
import {
  emptyTemplateForm,
  type Template,
  type TemplateForm as Form,
  templateProblems,
  templateToForm,
  toTemplateBody,
  toTemplatePatch,
} from './template-logic';

const EVERY = Array.from({ length: 12 }, (_, i) => {
  const n = i + 1;
  const named: Record<number, string> = {
    1: 'month',
    3: 'quarter (3 months)',
    6: 'half year (6 months)',
    12: 'year',
  };
  return { value: String(n), label: named[n] ?? `${n} months` };
});
const MODES = [
  { value: 'full', label: 'Full: every membership in scope' },
  { value: 'delta', label: 'Delta: only memberships without a valid certification' },
];

/** Create a template, or edit one (`template`): its campaign fields, schedule, duration and mode. */
export function TemplateForm({ template, onDone }: { template?: Template; onDone?: () => void }) {
  const [form, setForm] = useState<Form>(() => (template ? templateToForm(template) : emptyTemplateForm()));
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const { connections, principals, groups } = usePickers(form.connectionId);
  const navigate = useNavigate();
  const client = useQueryClient();
  const problems = templateProblems(form);
  const save = useMutation({
    mutationFn: () =>
      template
        ? unwrap(
            api.PATCH('/api/v1/campaign-templates/{id}', {
              params: { path: { id: template.id } },
              body: toTemplatePatch(form),
            }),
          )
        : unwrap(api.POST('/api/v1/campaign-templates', { body: toTemplateBody(form) })),
    onSuccess: async (t) => {
      await client.invalidateQueries({ queryKey: ['campaign-templates'] });
      await client.invalidateQueries({ queryKey: ['campaign-template', t.id] });
      if (template) onDone?.();
      else void navigate(`/admin/templates/${t.id}`);
    },
  });
  const people = (principals.data?.items ?? [])
    .filter((p) => !p.disabled && p.kind === 'person')
    .map((p) => ({ value: p.id, label: p.displayName ? `${p.displayName} <${p.email}>` : p.email }));
  const title = template ? 'Edit template' : 'New template';

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="template-form">
      <Stack>
        <Title order={2} id="template-form" size="h3">
          {title}
        </Title>
        {connections.isError && <ErrorAlert error={connections.error} />}
        {principals.isError && <ErrorAlert error={principals.error} />}
        {groups.isError && <ErrorAlert error={groups.error} />}
        <div className={grid.grid}>
          <Select
            label="Connection"
            required
            disabled={template !== undefined}
            data={(connections.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={form.connectionId || null}
            onChange={(v) => set({ connectionId: v ?? '', groupIds: [] })}
          />
          <TextInput
            label="Name"
            description="Each campaign is named this plus its period, e.g. “2027-Q1”."
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
        <div className={grid.grid}>
          <Select
            label="Repeat every"
            required
            data={EVERY}
            value={form.everyMonths}
            allowDeselect={false}
            onChange={(v) => set({ everyMonths: v ?? '3' })}
          />
          <TextInput
            label="Periods start on day"
            description="1 to 28, at 00:00 UTC, counted from this month."
            required
            inputMode="numeric"
            value={form.dayOfMonth}
            onChange={(e) => set({ dayOfMonth: e.currentTarget.value })}
          />
          <TextInput
            label="Each campaign runs for (days)"
            required
            inputMode="decimal"
            value={form.durationDays}
            onChange={(e) => set({ durationDays: e.currentTarget.value })}
          />
          <TextInput
            label="Oldest accepted sync (hours)"
            description="A launch over an older directory waits for a sync."
            required
            inputMode="decimal"
            value={form.maxSyncAgeHours}
            onChange={(e) => set({ maxSyncAgeHours: e.currentTarget.value })}
          />
          <Select
            label="Mode"
            data={MODES}
            value={form.mode}
            allowDeselect={false}
            onChange={(v) => set({ mode: (v ?? 'full') as Form['mode'] })}
          />
          <TextInput
            label="Certify kept memberships for (days)"
            description="Each campaign's close certifies what it kept this long; a delta campaign skips those."
            required
            inputMode="decimal"
            value={form.certificationValidDays}
            onChange={(e) => set({ certificationValidDays: e.currentTarget.value })}
          />
        </div>
        <CampaignFieldsInputs
          value={form}
          onChange={set}
          groups={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
          people={people}
          groupsDisabled={!form.connectionId}
        />
        {problems.length > 0 && (
          <List size="sm" data-testid="form-problems">
            {problems.map((p) => (
              <List.Item key={p}>{p}</List.Item>
            ))}
          </List>
        )}
        {save.isError && <ErrorAlert error={save.error} />}
        <Group>
          <Button disabled={problems.length > 0} loading={save.isPending} onClick={() => save.mutate()}>
            {template ? 'Save changes' : 'Create template'}
          </Button>
          {template && (
            <Button variant="subtle" onClick={onDone}>
              Cancel
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
