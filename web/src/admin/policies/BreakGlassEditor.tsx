import { NumberInput, Stack, Switch } from '@mantine/core';
import { formatMinutes } from '../../lib/format';
import { type BreakGlassForm } from './policy-logic';

/**
 * Break-glass (API.md "Just-in-time additions"): an eligible requester grants themselves the group at
 * once in an emergency, for at most this long; owners, approvers and admins are told at once, the owner
 * reviews it afterwards, once a day per person.
 */
export function BreakGlassEditor({
  value,
  longestGrant,
  onChange,
  error,
}: {
  value: BreakGlassForm;
  longestGrant: number | '';
  onChange: (b: BreakGlassForm) => void;
  error: string | undefined;
}) {
  return (
    <Stack gap="xs" data-testid="break-glass">
      <Switch
        label="Break-glass: an eligible requester may take this group at once in an emergency"
        description="Owners, approvers and admins are told at once on every channel, and an owner reviews each use afterwards. Once a day per person."
        checked={value.enabled}
        onChange={(e) => {
          const enabled = e.currentTarget.checked;
          // Turning it on with no number yet starts from the policy's longest grant.
          onChange({
            enabled,
            maxDurationMinutes:
              enabled && value.maxDurationMinutes === '' ? longestGrant : value.maxDurationMinutes,
          });
        }}
        error={value.enabled ? undefined : error}
      />
      {value.enabled && (
        <NumberInput
          label="Longest break-glass grant (minutes)"
          description={
            typeof value.maxDurationMinutes === 'number' && value.maxDurationMinutes > 0
              ? formatMinutes(value.maxDurationMinutes)
              : 'Required'
          }
          value={value.maxDurationMinutes}
          onChange={(v) =>
            onChange({
              ...value,
              maxDurationMinutes: typeof v === 'number' ? v : v === '' ? '' : Number(v),
            })
          }
          error={error}
          allowDecimal={false}
          maw={320}
        />
      )}
    </Stack>
  );
}
