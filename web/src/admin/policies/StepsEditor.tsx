import { ActionIcon, Button, Group, Input, NumberInput, Select, Stack } from '@mantine/core';
import type { StepForm } from './policy-logic';

const KINDS = [
  { value: 'approvers', label: 'Approvers' },
  { value: 'manager', label: "The requester's manager" },
];

/** The approval steps, in order (API.md: at most 5; a manager step is skipped when there is no manager). */
export function StepsEditor({
  steps,
  onChange,
  error,
}: {
  steps: StepForm[];
  onChange: (steps: StepForm[]) => void;
  error: string | undefined;
}) {
  const set = (i: number, patch: Partial<StepForm>) =>
    onChange(steps.map((st, j) => (j === i ? { ...st, ...patch } : st)));
  return (
    <Input.Wrapper
      label="Approval steps"
      description="Each step must be approved before the next; one person's approval counts for one step."
      error={error}
      labelElement="div"
      data-testid="approval-steps"
    >
      <Stack gap="xs" mt="xs">
        {steps.map((st, i) => (
          <Group key={i} align="flex-end" gap="sm">
            <Select
              label={`Step ${i + 1}`}
              data={KINDS}
              value={st.kind}
              allowDeselect={false}
              onChange={(v) =>
                set(
                  i,
                  v === 'manager' ? { kind: 'manager', required: '' } : { kind: 'approvers', required: 1 },
                )
              }
              w={230}
            />
            {st.kind === 'approvers' && (
              <NumberInput
                label={`Approvals required in step ${i + 1}`}
                value={st.required}
                onChange={(v) => set(i, { required: typeof v === 'number' ? v : v === '' ? '' : Number(v) })}
                allowDecimal={false}
                w={230}
              />
            )}
            {steps.length > 1 && (
              <ActionIcon
                variant="subtle"
                color="red"
                size="lg"
                aria-label={`Remove step ${i + 1}`}
                onClick={() => onChange(steps.filter((_, j) => j !== i))}
              >
                ×
              </ActionIcon>
            )}
          </Group>
        ))}
        {steps.length < 5 && (
          <Button
            variant="default"
            size="xs"
            w="fit-content"
            onClick={() => onChange([...steps, { kind: 'approvers', required: 1 }])}
          >
            Add a step
          </Button>
        )}
      </Stack>
    </Input.Wrapper>
  );
}
