/** The group policy form's pure parts: from and to the API's shapes, and the API's 400s placed on fields. */
import { ApiError } from '../../api/errors';
import type { components } from '../../api/schema';

export type Policy = components['schemas']['PolicyResponse'];
export type PolicyBody = components['schemas']['PutPolicyDto'];

export interface StepForm {
  kind: 'manager' | 'approvers';
  /** Approvers steps only. */
  required: number | '';
}

/** One automatic approval rule (API.md "Just-in-time additions"); empty lists mean "any". */
export interface RuleForm {
  requesterInGroupIds: string[];
  departments: string[];
  maxDurationMinutes: number | '';
  forOthers: boolean;
}

export type RuleField = keyof RuleForm;

export interface BreakGlassForm {
  enabled: boolean;
  /** Kept while break-glass is off, so switching it back on restores the admin's number. */
  maxDurationMinutes: number | '';
}

export interface PolicyForm {
  requestable: boolean;
  ownerIds: string[];
  /** Approvers default to the owners (API.md); only a separate list is sent. */
  approversAreOwners: boolean;
  approverIds: string[];
  /** In order; an approvers step's `required` is also sent as `approvalsRequired` (the older field). */
  approvalSteps: StepForm[];
  requestTtlHours: number | '';
  maxDurationMinutes: number | '';
  defaultDurationMinutes: number | '';
  requireJustification: boolean;
  autoApprove: boolean;
  eligibleGroupIds: string[];
  warnBeforeExpiryMinutes: number | '';
  /** In order: the first rule a request matches approves it. */
  autoApproveRules: RuleForm[];
  breakGlass: BreakGlassForm;
  /** What happens to a membership added in JumpCloud without jumpgate. */
  outOfBandAdds: Policy['outOfBandAdds'];
}

export type PolicyField = Exclude<keyof PolicyForm, 'approversAreOwners'>;

/** Older names the server's messages may use for a field the form shows under another. */
const ALIASES: Record<string, PolicyField> = { approvalsRequired: 'approvalSteps' };

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

export function formFromPolicy(p: Policy): PolicyForm {
  return {
    requestable: p.requestable,
    ownerIds: [...p.ownerIds],
    // GET answers the owners when approvers default to them; keeping that default is the likelier wish.
    approversAreOwners: sameSet(p.approverIds, p.ownerIds),
    approverIds: [...p.approverIds],
    approvalSteps: p.approvalSteps.map((st) =>
      st.kind === 'manager'
        ? { kind: 'manager', required: '' }
        : { kind: 'approvers', required: st.required ?? 1 },
    ),
    requestTtlHours: p.requestTtlHours,
    maxDurationMinutes: p.maxDurationMinutes,
    defaultDurationMinutes: p.defaultDurationMinutes,
    requireJustification: p.requireJustification,
    autoApprove: p.autoApprove,
    eligibleGroupIds: [...(p.eligibleGroupIds ?? [])],
    warnBeforeExpiryMinutes: p.warnBeforeExpiryMinutes,
    autoApproveRules: p.autoApproveRules.map((r) => ({
      requesterInGroupIds: [...(r.requesterInGroupIds ?? [])],
      departments: [...(r.departments ?? [])],
      maxDurationMinutes: r.maxDurationMinutes,
      forOthers: r.forOthers ?? false,
    })),
    breakGlass: p.breakGlass
      ? { enabled: p.breakGlass.enabled, maxDurationMinutes: p.breakGlass.maxDurationMinutes }
      : { enabled: false, maxDurationMinutes: '' },
    outOfBandAdds: p.outOfBandAdds,
  };
}

/** A new rule: no condition but the duration, which starts at the policy's longest grant. */
export const newRule = (f: Pick<PolicyForm, 'maxDurationMinutes'>): RuleForm => ({
  requesterInGroupIds: [],
  departments: [],
  maxDurationMinutes: f.maxDurationMinutes,
  forOthers: false,
});

// An empty number the server requires goes as null, so its own message names the field.
const orNull = (v: number | ''): number | null => (v === '' ? null : v);

function ruleBody(r: RuleForm): Record<string, unknown> {
  return {
    ...(r.requesterInGroupIds.length > 0 ? { requesterInGroupIds: r.requesterInGroupIds } : {}),
    ...(r.departments.length > 0 ? { departments: r.departments } : {}),
    maxDurationMinutes: orNull(r.maxDurationMinutes),
    ...(r.forOthers ? { forOthers: true } : {}),
  };
}

/** Off with no number is "no break-glass" (null); off with a number keeps it for next time. */
function breakGlassBody(b: BreakGlassForm): Record<string, unknown> | null {
  if (!b.enabled && b.maxDurationMinutes === '') return null;
  return { enabled: b.enabled, maxDurationMinutes: orNull(b.maxDurationMinutes) };
}

/** Fields of GET's answer that PUT does not take. */
const RESPONSE_ONLY = ['groupId', 'updatedAt'] as const;

/**
 * The PUT body: the form's fields over what GET returned (PUT replaces the whole policy, so a field
 * this form does not show yet is sent back unchanged rather than reset). Empty optional numbers are
 * left out, so the server's defaults apply; an empty number where one is required is sent as is, for
 * the server's own message on that field.
 */
export function bodyFromForm(f: PolicyForm, original: Policy): PolicyBody {
  const kept: Record<string, unknown> = { ...original };
  for (const k of RESPONSE_ONLY) delete kept[k];
  delete kept.approverIds;
  delete kept.eligibleGroupIds;
  delete kept.defaultDurationMinutes;
  delete kept.warnBeforeExpiryMinutes;
  delete kept.approvalsRequired;
  delete kept.approvalSteps;
  delete kept.requestTtlHours;
  delete kept.autoApproveRules;
  delete kept.breakGlass;
  const body: Record<string, unknown> = {
    ...kept,
    requestable: f.requestable,
    ownerIds: f.ownerIds,
    maxDurationMinutes: orNull(f.maxDurationMinutes),
    requireJustification: f.requireJustification,
    autoApprove: f.autoApprove,
    autoApproveRules: f.autoApproveRules.map(ruleBody),
    breakGlass: breakGlassBody(f.breakGlass),
    outOfBandAdds: f.outOfBandAdds,
  };
  if (!f.approversAreOwners) body.approverIds = f.approverIds;
  body.approvalSteps = f.approvalSteps.map((st) =>
    st.kind === 'manager'
      ? { kind: 'manager' }
      : { kind: 'approvers', required: st.required === '' ? null : st.required },
  );
  // GET answers the steps in force; approvalsRequired follows the first approvers step so both agree.
  const first = f.approvalSteps.find((st) => st.kind === 'approvers');
  if (first && first.required !== '') body.approvalsRequired = first.required;
  if (f.requestTtlHours !== '') body.requestTtlHours = f.requestTtlHours;
  if (f.defaultDurationMinutes !== '') body.defaultDurationMinutes = f.defaultDurationMinutes;
  if (f.warnBeforeExpiryMinutes !== '') body.warnBeforeExpiryMinutes = f.warnBeforeExpiryMinutes;
  if (f.eligibleGroupIds.length > 0) body.eligibleGroupIds = f.eligibleGroupIds;
  return body as unknown as PolicyBody;
}

const FIELDS: PolicyField[] = [
  'requestable',
  'ownerIds',
  'approverIds',
  'approvalSteps',
  'maxDurationMinutes',
  'defaultDurationMinutes',
  'requireJustification',
  'autoApprove',
  'eligibleGroupIds',
  'warnBeforeExpiryMinutes',
  'requestTtlHours',
  'autoApproveRules',
  'breakGlass',
  'outOfBandAdds',
];

/** The choices of `outOfBandAdds`, in words (API.md "Access, activity and drift"). */
export const OUT_OF_BAND_CHOICES: { value: Policy['outOfBandAdds']; label: string }[] = [
  { value: 'allow', label: 'Accept it (and tell the owners)' },
  { value: 'review', label: 'Send it for review (Drift reviews)' },
  { value: 'revert', label: 'Remove it (dynamic groups: review instead)' },
];

const RULE_FIELDS: RuleField[] = ['requesterInGroupIds', 'departments', 'maxDurationMinutes', 'forOthers'];

/** Codes that refuse making the group requestable. */
const REQUESTABLE_CODES = new Set(['dynamic_group', 'role_group']);

/** A rule's errors by field; `rule` holds what names none of its fields. */
export type RuleErrors = Partial<Record<RuleField | 'rule', string>>;

export interface PlacedErrors {
  fields: Partial<Record<PolicyField, string>>;
  /** Messages about one automatic approval rule, by its index, on the rule's field they name. */
  rules: Partial<Record<number, RuleErrors>>;
  /** What no field explains (the group was removed, a network failure, a 403). */
  general: unknown;
}

/**
 * Puts each message of a 400 on the field it names (the server's messages name the property, e.g.
 * "maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)" or "each value in ownerIds must be a
 * UUID"); an unknown principal goes to the list that holds it. Anything else stays general.
 */
export function placeErrors(err: unknown, form: PolicyForm): PlacedErrors {
  if (!(err instanceof ApiError) || err.status !== 400) return { fields: {}, rules: {}, general: err };
  const fields: Partial<Record<PolicyField, string>> = {};
  const rules: PlacedErrors['rules'] = {};
  const rest: string[] = [];
  const add = (f: PolicyField, m: string) => {
    fields[f] = fields[f] ? `${fields[f]}; ${m}` : m;
  };
  const addRule = (i: number, f: keyof RuleErrors, m: string) => {
    const r = (rules[i] ??= {});
    r[f] = r[f] ? `${r[f]}; ${m}` : m;
  };
  for (const m of err.messages) {
    // Before the policy's own fields: "autoApproveRules[0].maxDurationMinutes may not exceed
    // maxDurationMinutes (60)" names both. The pipe writes the index as ".0.", the policy check as "[0]".
    // The pipe's nested messages read "autoApproveRules.0.each value in requesterInGroupIds must be a UUID".
    const rule = /\bautoApproveRules(?:\[(\d+)\]|\.(\d+))/.exec(m);
    if (rule) {
      const i = Number(rule[1] ?? rule[2]);
      const after = m.slice(rule.index + rule[0].length);
      const f = RULE_FIELDS.find((x) => new RegExp(`\\b${x}\\b`).test(after)) ?? 'rule';
      if (i < form.autoApproveRules.length) addRule(i, f, m);
      else add('autoApproveRules', m);
      continue;
    }
    if (/\bbreakGlass\b/.test(m)) {
      add('breakGlass', m);
      continue;
    }
    const foreign =
      /^eligibleGroupIds and requesterInGroupIds must be groups of the same connection: (.+)$/.exec(m);
    if (foreign) {
      // Put it on each list that holds one of the groups it names.
      const ids = (foreign[1] ?? '').split(', ');
      const holds = (list: readonly string[]) => ids.some((id) => list.includes(id));
      let placed = false;
      if (holds(form.eligibleGroupIds)) {
        add('eligibleGroupIds', m);
        placed = true;
      }
      form.autoApproveRules.forEach((r, i) => {
        if (!holds(r.requesterInGroupIds)) return;
        addRule(i, 'requesterInGroupIds', m);
        placed = true;
      });
      if (!placed) rest.push(m);
      continue;
    }
    if (err.code && REQUESTABLE_CODES.has(err.code)) {
      add('requestable', m);
      continue;
    }
    const missing = /^No such principal: (.+)$/.exec(m);
    if (missing) {
      const ids = (missing[1] ?? '').split(', ');
      if (ids.some((id) => form.ownerIds.includes(id))) add('ownerIds', m);
      if (ids.some((id) => !form.approversAreOwners && form.approverIds.includes(id))) add('approverIds', m);
      if (!fields.ownerIds && !fields.approverIds) rest.push(m);
      continue;
    }
    const field =
      FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(m)) ??
      Object.entries(ALIASES).find(([alias]) => new RegExp(`\\b${alias}\\b`).test(m))?.[1];
    if (field) add(field, m);
    else rest.push(m);
  }
  return {
    fields,
    rules,
    general: rest.length > 0 ? new ApiError(err.status, rest.join('; '), err.code, rest) : null,
  };
}
