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
  };
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
  const body: Record<string, unknown> = {
    ...kept,
    requestable: f.requestable,
    ownerIds: f.ownerIds,
    maxDurationMinutes: f.maxDurationMinutes === '' ? null : f.maxDurationMinutes,
    requireJustification: f.requireJustification,
    autoApprove: f.autoApprove,
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
];

/** Codes that refuse making the group requestable. */
const REQUESTABLE_CODES = new Set(['dynamic_group', 'role_group']);

export interface PlacedErrors {
  fields: Partial<Record<PolicyField, string>>;
  /** What no field explains (the group was removed, a network failure, a 403). */
  general: unknown;
}

/**
 * Puts each message of a 400 on the field it names (the server's messages name the property, e.g.
 * "maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)" or "each value in ownerIds must be a
 * UUID"); an unknown principal goes to the list that holds it. Anything else stays general.
 */
export function placeErrors(err: unknown, form: PolicyForm): PlacedErrors {
  if (!(err instanceof ApiError) || err.status !== 400) return { fields: {}, general: err };
  const fields: Partial<Record<PolicyField, string>> = {};
  const rest: string[] = [];
  const add = (f: PolicyField, m: string) => {
    fields[f] = fields[f] ? `${fields[f]}; ${m}` : m;
  };
  for (const m of err.messages) {
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
    general: rest.length > 0 ? new ApiError(err.status, rest.join('; '), err.code, rest) : null,
  };
}
