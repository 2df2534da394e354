import type { AccessRequest, CatalogEntry, Grant } from '../api/types';
import { formatDateTime } from '../lib/format';

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

/** API.md: `startsAt` at most 30 days ahead. */
export const MAX_START_AHEAD_DAYS = 30;

/** What is wrong with a chosen start before it is sent (the server says `starts_too_late` too). */
export function startProblem(local: string, now: number): string | null {
  if (!local) return null;
  const iso = startsAtIso(local);
  if (iso === null) return 'Give a valid date and time.';
  const latest = now + MAX_START_AHEAD_DAYS * 86_400_000;
  return Date.parse(iso) > latest ? `A request may start at most ${MAX_START_AHEAD_DAYS} days ahead.` : null;
}

/** A refusal of a request explained for the person: where to show it and what it means for them. */
export interface RequestRefusal {
  /** The form field it belongs on, else the form as a whole. */
  field: 'startsAt' | null;
  title: string;
  text: string;
}

/** The codes of POST /access-requests a person can act on, in their words; null: the general error view. */
export function explainRequestError(code: string | null, message: string): RequestRefusal | null {
  if (code === null) return null;
  switch (code) {
    case 'starts_too_late':
      return {
        field: 'startsAt',
        title: 'Too far ahead',
        text: `A request may start at most ${MAX_START_AHEAD_DAYS} days ahead: choose an earlier start.`,
      };
    case 'break_glass_rate_limited':
      return {
        field: null,
        title: 'Break-glass already used today',
        text: 'You used break-glass for this group in the last 24 hours; it works once a day. Send an ordinary request for an approver to decide instead.',
      };
    case 'grant_active':
      return {
        field: null,
        title: 'You already hold this group',
        text: 'Break-glass never extends an active grant. Use Extend on your grant to ask for more time.',
      };
    case 'break_glass_not_allowed':
      return { field: null, title: 'Break-glass is not allowed here', text: message };
    default:
      return null;
  }
}

/** One line per step of a request: decided, skipped and why, waiting now, or still ahead. */
export function stepLines(
  r: Pick<AccessRequest, 'approvalSteps' | 'currentStep' | 'status' | 'approvals'>,
  nameOf: (id: string) => string,
): string[] {
  return r.approvalSteps.map((s, i) => {
    const head = `Step ${i + 1}: ${stepWords(s)}`;
    const own = r.approvals.filter((a) => a.step === i);
    const skipped = own.find((a) => a.decision === 'skipped');
    if (skipped) return `${head}: skipped (${skipped.comment ?? 'no reason recorded'})`;
    const deciders = own
      .filter((a) => a.approverId !== null)
      .map((a) => `${a.decision === 'approve' ? 'approved' : 'denied'} by ${nameOf(a.approverId ?? '')}`);
    if (r.status === 'pending' && i === r.currentStep) {
      return `${head}: waiting now${deciders.length ? ` (${deciders.join(', ')} so far)` : ''}`;
    }
    if (deciders.length > 0) return `${head}: ${deciders.join(', ')}`;
    if (r.status === 'pending' && i > r.currentStep) return `${head}: after the steps before it`;
    return `${head}: not reached`;
  });
}

/** An approver's own state on a pending request: their step now, or waiting for an earlier one. */
export function waitingFor(
  r: Pick<AccessRequest, 'approvalSteps' | 'currentStep' | 'status' | 'eligibleApprovers'>,
  meId: string | undefined,
): string | null {
  if (r.status !== 'pending' || canActNow(r, meId)) return null;
  const s = r.approvalSteps[r.currentStep];
  return s ? `Waiting for step ${r.currentStep + 1} (${stepWords(s)})` : null;
}

/** A refused approve or deny explained on the approver's card; null: the general error view. */
export function explainDecisionError(
  code: string | null,
  r: Pick<AccessRequest, 'approvalSteps' | 'currentStep'>,
): { title: string; text: string } | null {
  if (code !== 'not_this_step') return null;
  const s = r.approvalSteps[r.currentStep];
  return {
    title: 'Not your step yet',
    text: `This request waits on step ${r.currentStep + 1}${s ? ` (${stepWords(s)})` : ''}. You approve a later step: you will be asked once the steps before yours are done. Nothing was changed.`,
  };
}

/** A grant's state in words where a badge is not enough: scheduled, being applied, or its clock. */
export function grantState(g: {
  status: Grant['status'];
  startsAt: string | null;
  expiresAt: string | null;
}): string | null {
  switch (g.status) {
    case 'scheduled':
      return g.startsAt ? `scheduled, starts at ${formatDateTime(g.startsAt)}` : 'scheduled';
    case 'provisioning':
      return 'being applied in JumpCloud';
    case 'active':
      return g.expiresAt ? `active until ${formatDateTime(g.expiresAt)}` : 'active';
    case 'revoking':
      return 'being removed in JumpCloud';
    case 'ended':
    case 'failed':
      return g.status;
  }
}

/** What the access page says once a request is made. */
export function sentMessage(r: AccessRequest, groupName: string): string {
  if (r.breakGlass) {
    return `Break-glass access to ${groupName} granted at once; owners, approvers and admins have been told. It shows under What I reach now.`;
  }
  if (r.status === 'approved') {
    return r.grant?.status === 'scheduled' && r.grant.startsAt
      ? `Request for ${groupName} approved; scheduled, starts at ${formatDateTime(r.grant.startsAt)}.`
      : `Request for ${groupName} approved at once; it shows under What I reach now.`;
  }
  return `Request for ${groupName} sent${r.startsAt ? `, to start at ${formatDateTime(r.startsAt)} once approved` : ''}; it shows under My requests.`;
}
