import { AppError } from '../platform/http/app-error';

/** One step of a request's approval (API.md "Just-in-time additions"). */
export type ApprovalStep = { kind: 'manager' } | { kind: 'approvers'; required: number };

/** Why an approver was skipped: its principal is disabled, or its accounts are all suspended or removed. */
export type LeftReason = 'disabled' | 'accounts_inactive';

/** An entry of a request's `approverChanges`. */
export interface ApproverChange {
  removedId: string;
  reason: LeftReason;
  addedIds: string[];
  at: string;
}

/** Approvals a step needs: one from the manager, `required` from the approvers. */
export const stepRequired = (s: ApprovalStep): number => (s.kind === 'manager' ? 1 : s.required);

/** A policy's steps: as given, else one approvers step of `approvalsRequired`. */
export const effectiveSteps = (p: {
  approval_steps: ApprovalStep[] | null;
  approvals_required: number;
}): ApprovalStep[] => p.approval_steps ?? [{ kind: 'approvers', required: p.approvals_required }];

/**
 * The steps a policy is saved with. A manager step can be skipped (no manager, or the manager is the
 * requester), so at least one approvers step must remain: else such a request would pass unapproved.
 */
export function checkSteps(
  steps: { kind: string; required?: number }[] | undefined,
  approverCount: number,
): ApprovalStep[] | null {
  if (steps === undefined) return null;
  if (steps.length === 0 || steps.length > 5) {
    throw new AppError('validation_failed', 'approvalSteps must have 1 to 5 steps');
  }
  const out: ApprovalStep[] = steps.map((s, i) => {
    if (s.kind === 'manager') {
      if (s.required !== undefined) {
        throw new AppError('validation_failed', `approvalSteps[${i}]: a manager step takes no "required"`);
      }
      return { kind: 'manager' };
    }
    const required = s.required ?? 1;
    if (required > approverCount) {
      throw new AppError(
        'validation_failed',
        `approvalSteps[${i}].required (${required}) may not exceed the number of approvers (${approverCount})`,
      );
    }
    return { kind: 'approvers', required };
  });
  if (!out.some((s) => s.kind === 'approvers')) {
    throw new AppError(
      'validation_failed',
      'approvalSteps needs an approvers step: a manager step is skipped when there is no manager',
    );
  }
  return out;
}

/**
 * The step a request waits on: the first from `from` that is neither skipped nor complete, or
 * `steps.length` when every step is done (the request is approved).
 */
export function openStep(
  steps: ApprovalStep[],
  from: number,
  approvalsInStep: (step: number) => number,
  skipped: ReadonlySet<number>,
): number {
  let i = from;
  while (i < steps.length && (skipped.has(i) || approvalsInStep(i) >= stepRequired(steps[i]))) i++;
  return i;
}

/**
 * Who of a step's approvers to add when some left and fewer than `need` can still act: the owners
 * first, then the admins, each once, none of them excluded (already an approver of the step, the
 * requester or the beneficiary, someone who left or already decided).
 */
export function replacements(
  need: number,
  available: number,
  owners: string[],
  admins: string[],
  excluded: ReadonlySet<string>,
): { id: string; source: 'owner' | 'admin' }[] {
  const out: { id: string; source: 'owner' | 'admin' }[] = [];
  const seen = new Set(excluded);
  for (const [ids, source] of [
    [owners, 'owner'],
    [admins, 'admin'],
  ] as const) {
    for (const id of ids) {
      if (available + out.length >= need) return out;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, source });
    }
  }
  return out;
}

/**
 * Who may act on step `step` of a request: the group's approvers of the moment (an approvers step)
 * and those the request added to that step, less those it skips because they left.
 */
export function stepApprovers(
  steps: ApprovalStep[],
  step: number,
  groupApprovers: string[],
  rows: { step: number; principal_id: string; removed_reason: string | null }[],
): string[] {
  if (step >= steps.length) return [];
  const own = rows.filter((r) => r.step === step);
  const removed = new Set(own.filter((r) => r.removed_reason !== null).map((r) => r.principal_id));
  const base = steps[step].kind === 'approvers' ? groupApprovers : [];
  const added = own.filter((r) => r.removed_reason === null).map((r) => r.principal_id);
  return [...new Set([...base, ...added])].filter((id) => !removed.has(id));
}
