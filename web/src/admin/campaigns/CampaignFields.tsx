import { Checkbox, MultiSelect, Select, TextInput } from '@mantine/core';
import type { CampaignFields } from './campaign-fields';
import grid from './Grid.module.css';

const STRATEGIES = [
  { value: 'manager', label: "The member's manager" },
  { value: 'group_owner', label: "The group's owner" },
  { value: 'named', label: 'Named reviewers (whole groups each)' },
];
const DEFAULTS = [
  { value: 'none', label: 'None: undecided items expire' },
  { value: 'keep', label: 'Keep' },
  { value: 'revoke', label: 'Revoke' },
];

type Option = { value: string; label: string };

/**
 * The campaign fields the campaign and template forms share: scope (groups, administrators),
 * reviewers, what happens at close and the close's safety caps.
 */
export function CampaignFieldsInputs({
  value: f,
  onChange,
  groups,
  people,
  groupsDisabled,
}: {
  value: CampaignFields;
  onChange: (patch: Partial<CampaignFields>) => void;
  groups: Option[];
  people: Option[];
  groupsDisabled: boolean;
}) {
  return (
    <>
      <MultiSelect
        label="Groups in scope"
        description={
          f.administrators
            ? 'None chosen: only the JumpCloud administrators are reviewed.'
            : 'None chosen: every group of the connection.'
        }
        searchable
        disabled={groupsDisabled}
        data={groups}
        value={f.groupIds}
        onChange={(v) => onChange({ groupIds: v })}
      />
      <Checkbox
        label="Review the JumpCloud administrator accounts too"
        description="One item per administrator, with its roles. Removing an administrator is always done by hand."
        checked={f.administrators}
        onChange={(e) => onChange({ administrators: e.currentTarget.checked })}
      />
      <div className={grid.grid}>
        <Select
          label="Reviewers"
          required
          data={STRATEGIES}
          value={f.reviewerStrategy}
          allowDeselect={false}
          onChange={(v) =>
            onChange({ reviewerStrategy: (v ?? 'manager') as CampaignFields['reviewerStrategy'] })
          }
        />
        {f.reviewerStrategy === 'named' && (
          <MultiSelect
            label="Named reviewers"
            searchable
            data={people}
            value={f.reviewerIds}
            onChange={(v) => onChange({ reviewerIds: v })}
          />
        )}
        <Select
          label="Fallback reviewer"
          description="Reviews what has no reviewer, or whose reviewer is the member."
          required
          searchable
          data={people}
          value={f.fallbackReviewerId || null}
          onChange={(v) => onChange({ fallbackReviewerId: v ?? '' })}
        />
        <Select
          label="Undecided items at close"
          data={DEFAULTS}
          value={f.defaultDecision}
          allowDeselect={false}
          onChange={(v) => onChange({ defaultDecision: (v ?? 'none') as CampaignFields['defaultDecision'] })}
        />
      </div>
      <Checkbox
        label="Remove revoked memberships in JumpCloud at close"
        checked={f.autoRemediate}
        onChange={(e) => onChange({ autoRemediate: e.currentTarget.checked })}
      />
      <div className={grid.grid}>
        <TextInput
          label="Most of one group a close removes (%)"
          description="Removals beyond it are held until a second admin releases them."
          required
          inputMode="decimal"
          value={f.maxRevokePercentPerGroup}
          onChange={(e) => onChange({ maxRevokePercentPerGroup: e.currentTarget.value })}
        />
        <TextInput
          label="Most removals one close applies"
          description="The rest are held until a second admin releases them."
          required
          inputMode="numeric"
          value={f.maxRevokesPerClose}
          onChange={(e) => onChange({ maxRevokesPerClose: e.currentTarget.value })}
        />
        <TextInput
          label="Days without a sign-in before recommending a review"
          description="Sign-ins JumpCloud saw to the group's applications (only those made through JumpCloud, kept 90 days)."
          required
          inputMode="numeric"
          value={f.inactiveDays}
          onChange={(e) => onChange({ inactiveDays: e.currentTarget.value })}
        />
      </div>
    </>
  );
}
