import type { components } from '../../api/schema';

export type CreateConnectionBody = components['schemas']['CreateConnectionDto'];
export type SyncRun = components['schemas']['SyncRunResponse'];
export type InsightsState = components['schemas']['InsightsState'];

/** What a connection's Directory Insights state means for what jumpgate does, in one sentence. */
export function insightsSentence(state: InsightsState): string {
  switch (state) {
    case 'readable':
      return 'Directory Insights is readable: sign-in activity and who changed memberships outside jumpgate are read after each sync, and syncs between full ones read only what changed.';
    case 'forbidden':
      return "The API key's role cannot read Directory Insights; activity, attribution and incremental sync are off.";
    case 'unavailable':
      return 'Directory Insights did not answer when last asked (or was never asked); activity, attribution and incremental sync are off until it does.';
  }
}

export interface ConnectionForm {
  name: string;
  orgId: string;
  credentialType: 'service_account' | 'api_key';
  clientId: string;
  clientSecret: string;
  apiKey: string;
  region: 'us' | 'eu';
}

export const EMPTY_CONNECTION: ConnectionForm = {
  name: '',
  orgId: '',
  credentialType: 'service_account',
  clientId: '',
  clientSecret: '',
  apiKey: '',
  region: 'us',
};

/** What the form still lacks; empty when it can be tested and saved. */
export function connectionProblems(f: ConnectionForm): string[] {
  const p: string[] = [];
  if (!f.name.trim()) p.push('Give the connection a name.');
  if (!f.orgId.trim()) p.push("Give the JumpCloud organisation's id.");
  if (f.credentialType === 'service_account' && (!f.clientId.trim() || !f.clientSecret))
    p.push("Give the service account's client id and secret.");
  if (f.credentialType === 'api_key' && !f.apiKey) p.push('Give the API key.');
  return p;
}

/** The `POST /connections` (and `/connections/test`) body: only the chosen kind of credential. */
export function toConnectionBody(f: ConnectionForm): CreateConnectionBody {
  const base = { name: f.name.trim(), orgId: f.orgId.trim(), region: f.region };
  return f.credentialType === 'service_account'
    ? { ...base, clientId: f.clientId.trim(), clientSecret: f.clientSecret }
    : { ...base, apiKey: f.apiKey };
}

/** A run's figures in one line, as the runs table shows them. */
export function runStats(r: SyncRun): string {
  const s = r.stats;
  return `${s.users} users, ${s.groups} groups, ${s.memberships} memberships, ${s.applications} applications; ${s.added} added, ${s.removed} removed, ${s.updated} updated; ${s.apiCalls} API calls`;
}

/** The removals a run held back (rule 1), in words, or null when it held none. */
export function heldSummary(r: SyncRun): string | null {
  if (!r.held) return null;
  const parts: string[] = [];
  if (r.held.accounts) parts.push(`${r.held.accounts} account removals`);
  if (r.held.memberships) parts.push(`${r.held.memberships} membership removals`);
  return parts.length ? `Held: ${parts.join(', ')}` : null;
}

export function isMoving(r: SyncRun | undefined): boolean {
  return r?.status === 'queued' || r?.status === 'running';
}

export type HeldRemoval = components['schemas']['HeldRemovalItem'];

/** One page of held removals and the distinct account and group ids it needs names for. */
export function heldPage(
  items: readonly HeldRemoval[],
  page: number,
  size: number,
): { rows: HeldRemoval[]; accountIds: string[]; groupIds: string[]; pages: number } {
  const rows = items.slice(page * size, (page + 1) * size);
  return {
    rows,
    accountIds: [...new Set(rows.map((r) => r.accountId))],
    groupIds: [...new Set(rows.flatMap((r) => (r.groupId ? [r.groupId] : [])))],
    pages: Math.ceil(items.length / size),
  };
}
