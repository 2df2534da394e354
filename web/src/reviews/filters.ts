import type { ReviewItem } from '../api/types';

/** What the filter bar can narrow My reviews to; status is the server's (`GET /reviews?status=`). */
export interface ReviewFilters {
  status: 'pending' | 'decided';
  campaignId: string | null;
  groupId: string | null;
  applicationId: string | null;
  recommendation: 'keep' | 'revoke' | 'review' | 'none' | null;
  /** Free text over the person's name, email, department and title. */
  text: string;
}

export const NO_FILTERS: ReviewFilters = {
  status: 'pending',
  campaignId: null,
  groupId: null,
  applicationId: null,
  recommendation: null,
  text: '',
};

export function filtersFromSearch(params: URLSearchParams): ReviewFilters {
  const rec = params.get('recommendation');
  return {
    status: params.get('status') === 'decided' ? 'decided' : 'pending',
    campaignId: params.get('campaignId'),
    groupId: params.get('groupId'),
    applicationId: params.get('applicationId'),
    recommendation: rec === 'keep' || rec === 'revoke' || rec === 'review' || rec === 'none' ? rec : null,
    text: params.get('q') ?? '',
  };
}

/** The filters as query parameters, leaving defaults out so links stay short (`/reviews?campaignId=`). */
export function filtersToSearch(f: ReviewFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.campaignId) p.set('campaignId', f.campaignId);
  if (f.status !== 'pending') p.set('status', f.status);
  if (f.groupId) p.set('groupId', f.groupId);
  if (f.applicationId) p.set('applicationId', f.applicationId);
  if (f.recommendation) p.set('recommendation', f.recommendation);
  if (f.text) p.set('q', f.text);
  return p;
}

/** What an item is about: its group, or the administrators for an administrator account (no group). */
export const groupLabel = (item: ReviewItem): string => item.group?.name ?? 'the JumpCloud administrators';

export function matches(item: ReviewItem, f: ReviewFilters): boolean {
  if (f.campaignId && item.campaignId !== f.campaignId) return false;
  if (f.groupId && item.group?.id !== f.groupId) return false;
  if (f.applicationId && !item.group?.applications.some((a) => a.id === f.applicationId)) return false;
  if (f.recommendation) {
    const value = item.recommendation?.value ?? 'none';
    if (value !== f.recommendation) return false;
  }
  if (f.text.trim()) {
    const needle = f.text.trim().toLowerCase();
    const a = item.account;
    const hay = [a.displayName, a.email, a.department, a.jobTitle].filter(Boolean).join(' ').toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

export interface Option {
  value: string;
  label: string;
}

/** The groups and applications that occur among the items, sorted by name, for the filter menus. */
export function filterOptions(items: readonly ReviewItem[]): { groups: Option[]; applications: Option[] } {
  const groups = new Map<string, string>();
  const apps = new Map<string, string>();
  for (const item of items) {
    // An administrators-scope item has no group.
    if (!item.group) continue;
    groups.set(item.group.id, item.group.name);
    for (const a of item.group.applications) apps.set(a.id, a.name);
  }
  const sorted = (m: Map<string, string>) =>
    [...m].map(([value, label]) => ({ value, label })).sort((x, y) => x.label.localeCompare(y.label));
  return { groups: sorted(groups), applications: sorted(apps) };
}
