import { Button, Checkbox, Fieldset, MultiSelect, NumberInput, Stack, TagsInput, Text } from '@mantine/core';
import grid from '../campaigns/Grid.module.css';
import { type RuleErrors, type RuleForm } from './policy-logic';

type Option = { value: string; label: string };

// API.md caps the list (the server refuses more with a 400 on autoApproveRules).
const MAX_RULES = 20;

const num = (v: string | number): number | '' => (typeof v === 'number' ? v : v === '' ? '' : Number(v));

/**
 * The automatic approval rules, in order (API.md "Just-in-time additions"): a request matching one is
 * approved at once and the approval names the rule. Empty conditions match anyone; each rule caps the
 * duration it approves.
 */
export function RulesEditor({
  rules,
  groups,
  onAdd,
  onChange,
  error,
  ruleErrors,
}: {
  rules: RuleForm[];
  groups: Option[];
  onAdd: () => void;
  onChange: (rules: RuleForm[]) => void;
  error: string | undefined;
  ruleErrors: Partial<Record<number, RuleErrors>>;
}) {
  const set = (i: number, patch: Partial<RuleForm>) =>
    onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  // Not an Input.Wrapper: its context would take over the ids (label, error) of the inputs inside.
  return (
    <Stack gap={4} data-testid="auto-approve-rules">
      <Text size="sm" fw={500}>
        Automatic approval rules
      </Text>
      <Text size="xs" c="dimmed">
        A request that matches a rule is approved at once, and its approval names the rule (the first match
        wins). Never for break-glass; for someone else&apos;s account only where the rule says so.
      </Text>
      {error && (
        <Text size="sm" c="var(--mantine-color-error)">
          {error}
        </Text>
      )}
      <Stack gap="xs" mt="xs">
        {rules.length === 0 && <Text size="sm">No rule: every request waits for its approvers.</Text>}
        {rules.map((r, i) => {
          const e = ruleErrors[i] ?? {};
          const n = i + 1;
          return (
            <Fieldset key={i} legend={`Rule ${n}`} data-testid="auto-approve-rule">
              <div className={grid.grid}>
                <MultiSelect
                  label={`Rule ${n}: requester in one of these groups`}
                  description="None chosen: any group"
                  searchable
                  data={groups}
                  value={r.requesterInGroupIds}
                  onChange={(v) => set(i, { requesterInGroupIds: v })}
                  error={e.requesterInGroupIds}
                />
                <TagsInput
                  label={`Rule ${n}: requester's department`}
                  description="Press Enter after each; none: any department"
                  placeholder="A department, then Enter"
                  value={r.departments}
                  onChange={(v) => set(i, { departments: v })}
                  error={e.departments}
                />
                <NumberInput
                  label={`Rule ${n}: for at most (minutes)`}
                  description="Longer requests wait for approval"
                  value={r.maxDurationMinutes}
                  onChange={(v) => set(i, { maxDurationMinutes: num(v) })}
                  error={e.maxDurationMinutes}
                  allowDecimal={false}
                />
              </div>
              <Checkbox
                mt="sm"
                label={`Rule ${n}: also requests made for someone else's account`}
                checked={r.forOthers}
                onChange={(ev) => set(i, { forOthers: ev.currentTarget.checked })}
                error={e.forOthers}
              />
              {e.rule && (
                <Text size="sm" c="var(--mantine-color-error)" mt="xs">
                  {e.rule}
                </Text>
              )}
              <Button
                mt="sm"
                size="xs"
                variant="subtle"
                color="red"
                onClick={() => onChange(rules.filter((_, j) => j !== i))}
              >
                Remove rule {n}
              </Button>
            </Fieldset>
          );
        })}
        {rules.length < MAX_RULES && (
          <Button variant="default" size="xs" w="fit-content" onClick={onAdd}>
            Add a rule
          </Button>
        )}
      </Stack>
    </Stack>
  );
}
