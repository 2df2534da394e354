import {
  Alert,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Stack,
  Switch,
  Text,
} from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatMinutes } from '../../lib/format';
import grid from '../campaigns/Grid.module.css';
import { BreakGlassEditor } from './BreakGlassEditor';
import {
  bodyFromForm,
  formFromPolicy,
  newRule,
  OUT_OF_BAND_CHOICES,
  placeErrors,
  type Policy,
  type PolicyForm as Form,
} from './policy-logic';
import { RulesEditor } from './RulesEditor';
import { StepsEditor } from './StepsEditor';
import { useSavePolicy } from './usePolicy';

type Option = { value: string; label: string };

const minutesHint = (v: number | '', fallback: string) =>
  typeof v === 'number' && v > 0 ? formatMinutes(v) : fallback;

/**
 * An admin edits a group's policy. The form checks nothing itself: the server's precise 400 messages
 * are shown on the fields they name, and nothing is saved until it accepts the whole policy.
 */
export function PolicyForm({
  policy,
  people,
  groups,
}: {
  policy: Policy;
  people: Option[];
  groups: Option[];
}) {
  const [form, setForm] = useState<Form>(() => formFromPolicy(policy));
  const save = useSavePolicy(policy.groupId);
  // An edit makes the last answer stale: its errors and its "saved" no longer describe the form.
  const set = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    save.reset();
  };
  const placed = save.isError ? placeErrors(save.error, form) : { fields: {}, rules: {}, general: null };
  const err = placed.fields;
  const num = (v: string | number): number | '' => (typeof v === 'number' ? v : v === '' ? '' : Number(v));

  return (
    <Paper
      withBorder
      p="md"
      component="form"
      aria-label="Group policy"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(bodyFromForm(form, policy));
      }}
    >
      <Stack>
        <Switch
          label="Requestable: people may ask for time-boxed membership"
          checked={form.requestable}
          onChange={(e) => set({ requestable: e.currentTarget.checked })}
          error={err.requestable}
        />
        <MultiSelect
          label="Owners"
          description="Review the group under the group-owner strategy; its approvers unless others are named."
          searchable
          data={people}
          value={form.ownerIds}
          onChange={(v) => set({ ownerIds: v })}
          error={err.ownerIds}
        />
        <Checkbox
          label="The owners approve requests"
          checked={form.approversAreOwners}
          onChange={(e) =>
            set({
              approversAreOwners: e.currentTarget.checked,
              approverIds: e.currentTarget.checked ? form.ownerIds : form.approverIds,
            })
          }
        />
        {!form.approversAreOwners && (
          <MultiSelect
            label="Approvers"
            searchable
            data={people}
            value={form.approverIds}
            onChange={(v) => set({ approverIds: v })}
            error={err.approverIds}
          />
        )}
        <StepsEditor
          steps={form.approvalSteps}
          onChange={(approvalSteps) => set({ approvalSteps })}
          error={err.approvalSteps}
        />
        <div className={grid.grid}>
          <NumberInput
            label="Longest grant (minutes)"
            description={minutesHint(form.maxDurationMinutes, 'Required')}
            value={form.maxDurationMinutes}
            onChange={(v) => set({ maxDurationMinutes: num(v) })}
            error={err.maxDurationMinutes}
            allowDecimal={false}
          />
          <NumberInput
            label="Default grant (minutes)"
            description={minutesHint(form.defaultDurationMinutes, 'Empty: the longest grant')}
            value={form.defaultDurationMinutes}
            onChange={(v) => set({ defaultDurationMinutes: num(v) })}
            error={err.defaultDurationMinutes}
            allowDecimal={false}
          />
          <NumberInput
            label="Warn before expiry (minutes)"
            description="0: no warning"
            value={form.warnBeforeExpiryMinutes}
            onChange={(v) => set({ warnBeforeExpiryMinutes: num(v) })}
            error={err.warnBeforeExpiryMinutes}
            allowDecimal={false}
          />
          <NumberInput
            label="A request waits at most (hours)"
            description="Then it expires undecided"
            value={form.requestTtlHours}
            onChange={(v) => set({ requestTtlHours: num(v) })}
            error={err.requestTtlHours}
          />
        </div>
        <Switch
          label="A justification is required"
          checked={form.requireJustification}
          onChange={(e) => set({ requireJustification: e.currentTarget.checked })}
          error={err.requireJustification}
        />
        <Switch
          label="Approve self-requests automatically (one rule with no condition, after the rules below)"
          checked={form.autoApprove}
          onChange={(e) => set({ autoApprove: e.currentTarget.checked })}
          error={err.autoApprove}
        />
        <MultiSelect
          label="Eligible groups"
          description="Only members of these groups may request. None chosen: any account of the connection."
          searchable
          data={groups}
          value={form.eligibleGroupIds}
          onChange={(v) => set({ eligibleGroupIds: v })}
          error={err.eligibleGroupIds}
        />
        <RulesEditor
          rules={form.autoApproveRules}
          groups={groups}
          onAdd={() => set({ autoApproveRules: [...form.autoApproveRules, newRule(form)] })}
          onChange={(autoApproveRules) => set({ autoApproveRules })}
          error={err.autoApproveRules}
          ruleErrors={placed.rules}
        />
        <BreakGlassEditor
          value={form.breakGlass}
          longestGrant={form.maxDurationMinutes}
          onChange={(breakGlass) => set({ breakGlass })}
          error={err.breakGlass}
        />
        <Select
          label="A member added in JumpCloud outside jumpgate"
          description="Every such add is told to the owners (else the admins), with who made it when JumpCloud's Directory Insights says."
          data={OUT_OF_BAND_CHOICES}
          value={form.outOfBandAdds}
          onChange={(v) => {
            const choice = OUT_OF_BAND_CHOICES.find((c) => c.value === v);
            if (choice) set({ outOfBandAdds: choice.value });
          }}
          allowDeselect={false}
          error={err.outOfBandAdds}
        />
        {placed.general ? <ErrorAlert error={placed.general} /> : null}
        {save.isError && (Object.keys(err).length > 0 || Object.keys(placed.rules).length > 0) && (
          <Text size="sm" c="red" role="alert">
            Not saved: correct the fields marked above.
          </Text>
        )}
        {save.isSuccess && (
          <Alert color="green" role="status">
            Policy saved.
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save policy
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
