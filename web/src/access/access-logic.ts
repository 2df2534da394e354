import type { AccessRequest, CatalogEntry } from '../api/types';

/** Catalog search: every word must occur in the group's name or one of its applications' names. */
export function searchCatalog(entries: readonly CatalogEntry[], query: string): CatalogEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const hay = [e.group.name, ...e.group.applications.map((a) => a.name)].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** What is wrong with a request before it is sent (the server checks the same and has the last word). */
export function requestProblems(
  entry: CatalogEntry,
  durationMinutes: number | null,
  justification: string,
): string[] {
  const problems: string[] = [];
  if (durationMinutes === null || !Number.isInteger(durationMinutes) || durationMinutes < 1) {
    problems.push('Give a duration of at least one minute.');
  } else if (durationMinutes > entry.maxDurationMinutes) {
    problems.push(`The policy allows at most ${entry.maxDurationMinutes} minutes.`);
  }
  if (entry.requireJustification && !justification.trim()) problems.push('This group needs a justification.');
  return problems;
}

type Step = AccessRequest['approvalSteps'][number];
type Approval = AccessRequest['approvals'][number];

const stepWords = (s: Step): string =>
  s.kind === 'manager'
    ? "the requester's manager"
    : `${s.required ?? 1} approval${(s.required ?? 1) === 1 ? '' : 's'} from the group's approvers`;

/** Where a pending request stands: "Step 1 of 2: the requester's manager". */
export function stepSummary(
  r: Pick<AccessRequest, 'approvalSteps' | 'currentStep' | 'status'>,
): string | null {
  if (r.status !== 'pending') return null;
  const s = r.approvalSteps[r.currentStep];
  return s ? `Step ${r.currentStep + 1} of ${r.approvalSteps.length}: ${stepWords(s)}` : null;
}

/** One line of a request's approvals: a person's decision, a skipped step, or the rule that approved it. */
export function approvalLine(a: Approval, nameOf: (id: string) => string): string {
  const step = a.step === null ? '' : ` (step ${a.step + 1})`;
  if (a.decision === 'skipped') return `Step ${(a.step ?? 0) + 1} skipped: ${a.comment ?? ''}`;
  if (a.approverId === null) return `Approved by auto-approve rule ${(a.rule ?? 0) + 1}`;
  const what = a.decision === 'approve' ? 'Approved' : 'Denied';
  return `${what} by ${nameOf(a.approverId)}${step}${a.comment ? `: ${a.comment}` : ''}`;
}

/** Whether this person can act on the request now (else an approver of a later step waits for it). */
export const canActNow = (r: Pick<AccessRequest, 'eligibleApprovers'>, meId: string | undefined): boolean =>
  !!meId && r.eligibleApprovers.some((e) => e.id === meId);

/** A `datetime-local` value (the browser's time zone) as an ISO time, or null when empty or invalid. */
export function startsAtIso(local: string): string | null {
  if (!local) return null;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}
