import type { components } from '../../api/schema';

export type CreateCampaignBody = components['schemas']['CreateCampaignDto'];
export type ProgressEntry = components['schemas']['ProgressEntryResponse'];
export type CampaignStatus = components['schemas']['CampaignStatus'];
export type CampaignKind = components['schemas']['CampaignKind'];

/** A standing campaign has no due date: it is never due. */
export function dueLabel(
  c: { kind: CampaignKind; dueAt: string | null },
  format: (iso: string) => string,
): string {
  return c.kind === 'standing' || !c.dueAt ? 'never (standing)' : format(c.dueAt);
}

/** Evidence exists once a campaign is closed (API.md `GET /campaigns/{id}/evidence`). */
export const hasEvidence = (status: CampaignStatus): boolean => status === 'closed';

/** What the create form holds: plain strings and arrays, as Mantine's inputs give them. */
export interface CampaignForm {
  connectionId: string;
  name: string;
  description: string;
  groupIds: string[];
  /** Also review every JumpCloud administrator account (alone when no group is chosen). */
  administrators: boolean;
  reviewerStrategy: CreateCampaignBody['reviewerStrategy'];
  reviewerIds: string[];
  fallbackReviewerId: string;
  /** `YYYY-MM-DD`, the last day of the review (the campaign is due at its end, UTC). */
  dueDate: string;
  defaultDecision: CreateCampaignBody['defaultDecision'];
  autoRemediate: boolean;
  /** `delta`: review only memberships without a valid certification. */
  mode: NonNullable<CreateCampaignBody['mode']>;
  /** Days a close certifies each kept membership, as typed (a positive number). */
  certificationValidDays: string;
  /** The safety caps of a close (API.md): a share of each group, and a count per close. */
  maxRevokeSharePerGroup: number;
  maxRevokesPerClose: number;
}

export function emptyForm(today: Date): CampaignForm {
  const due = new Date(today.getTime() + 14 * 86_400_000);
  return {
    connectionId: '',
    name: '',
    description: '',
    groupIds: [],
    administrators: false,
    reviewerStrategy: 'manager',
    reviewerIds: [],
    fallbackReviewerId: '',
    dueDate: due.toISOString().slice(0, 10),
    defaultDecision: 'none',
    autoRemediate: false,
    mode: 'full',
    certificationValidDays: '365',
    maxRevokeSharePerGroup: 0.5,
    maxRevokesPerClose: 500,
  };
}

/** What the form still lacks, in words; empty when it can be previewed and saved. */
export function formProblems(f: CampaignForm, now: Date): string[] {
  const problems: string[] = [];
  if (!f.connectionId) problems.push('Choose a connection.');
  if (!f.name.trim()) problems.push('Give the campaign a name.');
  if (!f.fallbackReviewerId) problems.push('Choose a fallback reviewer.');
  if (f.reviewerStrategy === 'named' && f.reviewerIds.length === 0)
    problems.push('Choose at least one named reviewer.');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.dueDate)) problems.push('Give a due date.');
  else if (new Date(`${f.dueDate}T23:59:59.000Z`).getTime() <= now.getTime())
    problems.push('The due date must be in the future.');
  const days = Number(f.certificationValidDays);
  if (!f.certificationValidDays.trim() || !Number.isFinite(days) || days <= 0 || days > 3650)
    problems.push('Certify kept memberships for a number of days between 0 and 3650.');
  if (!(f.maxRevokeSharePerGroup >= 0 && f.maxRevokeSharePerGroup <= 1))
    problems.push('The share of a group one close may remove is between 0 and 100 %.');
  if (!(Number.isInteger(f.maxRevokesPerClose) && f.maxRevokesPerClose >= 0))
    problems.push('The removals one close may apply is a whole number, 0 or more.');
  return problems;
}

/** The `POST /campaigns` (and `/campaigns/preview`) body the form describes. */
export function toCreateBody(f: CampaignForm): CreateCampaignBody {
  return {
    connectionId: f.connectionId,
    name: f.name.trim(),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    // An empty scope means every group (API.md), which the form says next to the field; with
    // `administrators` alone, only the administrators are reviewed.
    scope: { groupIds: f.groupIds, ...(f.administrators ? { administrators: true } : {}) },
    reviewerStrategy: f.reviewerStrategy,
    ...(f.reviewerStrategy === 'named' ? { reviewerIds: f.reviewerIds } : {}),
    fallbackReviewerIds: [f.fallbackReviewerId],
    dueAt: `${f.dueDate}T23:59:59.000Z`,
    defaultDecision: f.defaultDecision,
    autoRemediate: f.autoRemediate,
    mode: f.mode,
    certificationValidDays: Number(f.certificationValidDays),
    // The server's own defaults, sent because the generated type requires them.
    closeAfterDueDays: 0,
    escalateAfterDays: 3,
    maxSyncAgeHours: 24,
    maxRevokeSharePerGroup: f.maxRevokeSharePerGroup,
    maxRevokesPerClose: f.maxRevokesPerClose,
  };
}

export interface BarView {
  id: string;
  label: string;
  total: number;
  decided: number;
  /** Decided share, 0–100, rounded down so 99.6 % never reads as done. */
  percent: number;
  text: string;
}

/** One bar per reviewer or group, least done first (where to chase), then by name. */
export function progressBars(entries: readonly ProgressEntry[], unnamed: string): BarView[] {
  return entries
    .map((e) => {
      const decided = e.total - e.pending;
      const percent = e.total === 0 ? 100 : Math.floor((decided * 100) / e.total);
      return {
        id: e.key.id ?? 'none',
        label: e.key.name ?? unnamed,
        total: e.total,
        decided,
        percent,
        text: `${decided} of ${e.total} decided (${percent} %): ${e.kept} kept, ${e.revoked} revoked${
          e.converted ? `, ${e.converted} converted` : ''
        }${e.expired ? `, ${e.expired} expired` : ''}, ${e.pending} pending`,
      };
    })
    .sort((a, b) => a.percent - b.percent || a.label.localeCompare(b.label));
}

/** Which admin actions a campaign in `status` offers. */
export function campaignActions(
  status: CampaignStatus,
  kind: CampaignKind = 'regular',
): {
  launch: boolean;
  close: boolean;
  cancel: boolean;
} {
  // A standing campaign (break-glass, drift) is fed by events and never launched, closed or cancelled.
  if (kind === 'standing') return { launch: false, close: false, cancel: false };
  return {
    launch: status === 'draft',
    close: status === 'active',
    cancel: status === 'draft' || status === 'active',
  };
}
