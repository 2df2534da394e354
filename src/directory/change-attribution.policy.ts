import { type ChangedBy } from '../platform/drift';
import { associationEnds } from './sync/directory-events.policy';

/** One membership change as a Directory Insights `association_change` event tells it. */
export interface AttributedChange {
  /** JumpCloud ids, lowercase (JumpCloud stores event values lowercase). */
  groupExternalId: string;
  userExternalId: string;
  op: 'add' | 'remove';
  at: Date;
  by: ChangedBy & { type: 'admin' | 'api_key' | 'scim' | 'unknown' };
}

const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Who `initiated_by` names (API-NOTES §10): an administrator (with email), an API key or service
 * account (programmatic access; jumpgate's own writes are told apart by their operations, not here),
 * or a SCIM provider (`type` or `source` mentioning scim). Anything else is `unknown`.
 */
export function changedByOf(event: Record<string, unknown>): AttributedChange['by'] {
  const by = obj(event.initiated_by) ?? {};
  const type = str(by.type)?.toLowerCase() ?? '';
  const source = [str(by.source), str(event.source)].join(' ').toLowerCase();
  const email = str(by.email);
  const name = str(by.name) ?? str(by.username);
  const who = { ...(email ? { email } : {}), ...(name ? { name } : {}) };
  if (type.includes('scim') || source.includes('scim')) {
    // A SCIM source is named by its provider when the event carries no name of its own.
    const provider = name ?? str(by.source) ?? str(event.source);
    return { type: 'scim', ...(email ? { email } : {}), ...(provider ? { name: provider } : {}) };
  }
  if (type === 'admin' || type === 'administrator') return { type: 'admin', ...who };
  if (type === 'api_key' || type === 'api' || type === 'service_account') return { type: 'api_key', ...who };
  return { type: 'unknown', ...who };
}

/**
 * A user–group membership change out of an `association_change` event (its ends read as the
 * incremental sync's re-reads read them, `associationEnds`); null for one that is about something else or that
 * cannot be interpreted (it then says nothing about anyone).
 */
export function parseAssociationChange(event: Record<string, unknown>): AttributedChange | null {
  if (event.event_type !== 'association_change') return null;
  const at = typeof event.timestamp === 'string' ? new Date(event.timestamp) : null;
  if (!at || Number.isNaN(at.getTime())) return null;
  const association = obj(event.association);
  const op = str(association?.op)?.toLowerCase();
  if (op !== 'add' && op !== 'remove') return null;
  const { group, user } = associationEnds(event);
  if (group === null || user === null) return null;
  return {
    groupExternalId: group,
    userExternalId: user,
    op,
    at,
    by: changedByOf(event),
  };
}
