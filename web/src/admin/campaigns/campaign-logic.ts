import type { components } from '../../api/schema';
import {
  type CampaignFields,
  campaignFieldProblems,
  emptyCampaignFields,
  toCampaignFieldsBody,
} from './campaign-fields';

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

/** What the create form holds: the shared campaign fields plus the campaign's own. */
export interface CampaignForm extends CampaignFields {
  connectionId: string;
  name: string;
  description: string;
  /** `YYYY-MM-DD`, the last day of the review (the campaign is due at its end, UTC). */
  dueDate: string;
  /** `delta`: review only memberships without a valid certification. */
  mode: NonNullable<CreateCampaignBody['mode']>;
  /** Days a close certifies each kept membership, as typed (a positive number). */
  certificationValidDays: string;
}

export function emptyForm(today: Date): CampaignForm {
  const due = new Date(today.getTime() + 14 * 86_400_000);
  return {
    ...emptyCampaignFields(),
    connectionId: '',
    name: '',
    description: '',
    dueDate: due.toISOString().slice(0, 10),
    mode: 'full',
    certificationValidDays: '365',
  };
}

/** What the form still lacks, in words; empty when it can be previewed and saved. */
export function formProblems(f: CampaignForm, now: Date): string[] {
  const problems: string[] = [];
  if (!f.connectionId) problems.push('Choose a connection.');
  if (!f.name.trim()) problems.push('Give the campaign a name.');
  problems.push(...campaignFieldProblems(f));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.dueDate)) problems.push('Give a due date.');
  else if (new Date(`${f.dueDate}T23:59:59.000Z`).getTime() <= now.getTime())
    problems.push('The due date must be in the future.');
  const days = Number(f.certificationValidDays);
  if (!f.certificationValidDays.trim() || !Number.isFinite(days) || days <= 0 || days > 3650)
    problems.push('Certify kept memberships for a number of days between 0 and 3650.');
  return problems;
}

/** The `POST /campaigns` (and `/campaigns/preview`) body the form describes. */
export function toCreateBody(f: CampaignForm): CreateCampaignBody {
  return {
    connectionId: f.connectionId,
    name: f.name.trim(),
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    ...toCampaignFieldsBody(f),
    dueAt: `${f.dueDate}T23:59:59.000Z`,
    mode: f.mode,
    certificationValidDays: Number(f.certificationValidDays),
    // The server's own defaults, sent because the generated type requires them.
    closeAfterDueDays: 0,
    escalateAfterDays: 3,
    maxSyncAgeHours: 24,
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
