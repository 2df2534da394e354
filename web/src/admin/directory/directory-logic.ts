/** The directory pages' pure parts: filters in the address, and how a history entry reads. */

export type DirectoryTab = 'accounts' | 'groups';
export type AccountKind = '' | 'user' | 'admin';

export interface AccountFilters {
  q: string;
  kind: AccountKind;
  connectionId: string;
}

export interface GroupFilters {
  q: string;
  connectionId: string;
}

export interface DirectoryView {
  tab: DirectoryTab;
  accounts: AccountFilters;
  groups: GroupFilters;
}

const KINDS: AccountKind[] = ['', 'user', 'admin'];

/** The view a shared link opens: unknown values fall back to the defaults rather than failing. */
export function viewFromSearch(params: URLSearchParams): DirectoryView {
  const tab: DirectoryTab = params.get('tab') === 'groups' ? 'groups' : 'accounts';
  const q = params.get('q') ?? '';
  const connectionId = params.get('connectionId') ?? '';
  const asked = params.get('kind') ?? '';
  const kind = (KINDS as string[]).includes(asked) ? (asked as AccountKind) : '';
  return { tab, accounts: { q, kind, connectionId }, groups: { q, connectionId } };
}

/** Only what differs from the defaults goes into the address, so links stay short. */
export function viewToSearch(
  tab: DirectoryTab,
  f: { q: string; connectionId: string; kind?: AccountKind },
): URLSearchParams {
  const p = new URLSearchParams();
  if (tab === 'groups') p.set('tab', 'groups');
  if (f.q.trim()) p.set('q', f.q.trim());
  if (tab === 'accounts' && f.kind) p.set('kind', f.kind);
  if (f.connectionId) p.set('connectionId', f.connectionId);
  return p;
}

export interface HistoryEntryLike {
  action: 'added' | 'removed';
  outside: boolean;
  source: { type: 'sync' | 'operation' };
  changedBy?: { type: string; email?: string; name?: string } | null;
}

const CHANGER: Record<string, string> = {
  admin: 'a JumpCloud administrator',
  api_key: 'an API key',
  scim: 'SCIM provisioning',
  jumpgate: 'jumpgate',
  unknown: 'someone unknown',
};

/** Who made a change, in words: jumpgate's own, or what Directory Insights says of one made outside it. */
export function changedByText(e: HistoryEntryLike): string {
  if (!e.outside) return 'jumpgate';
  const by = e.changedBy;
  if (!by) return 'outside jumpgate (seen by a sync)';
  const who = by.name ?? by.email;
  const kind = CHANGER[by.type] ?? by.type;
  return who ? `outside jumpgate: ${who} (${kind})` : `outside jumpgate: ${kind}`;
}

/** A JumpCloud account's display name, else its email, else its username. */
export function accountName(a: {
  displayName?: string | null;
  email?: string | null;
  username?: string | null;
  id: string;
}): string {
  return a.displayName || a.email || a.username || a.id;
}
