import type { components } from '../../api/schema';

export type AuditEvent = components['schemas']['AuditEventResponse'];
export type VerifyResult = components['schemas']['VerifyResponse'];
export type Checkpoint = components['schemas']['CheckpointDto'];
type BrokenReason = NonNullable<VerifyResult['firstBrokenReason']>;

export interface AuditFilters {
  action?: string;
  actorId?: string;
  targetId?: string;
  /** A calendar day (YYYY-MM-DD), from the date field. */
  since?: string;
}

const FILTER_KEYS = ['action', 'actorId', 'targetId', 'since'] as const;

export function filtersFrom(params: URLSearchParams): AuditFilters {
  const f: AuditFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

export function filtersToParams(f: AuditFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k]?.trim();
    if (v) p.set(k, v);
  }
  return p;
}

/** The list query: `since` as the start of that day in the person's own time zone, as ISO-8601 UTC. */
export function toQuery(f: AuditFilters): {
  action?: string;
  actorId?: string;
  targetId?: string;
  since?: string;
} {
  const since =
    f.since && /^\d{4}-\d{2}-\d{2}$/.test(f.since)
      ? new Date(`${f.since}T00:00:00`).toISOString()
      : undefined;
  return { action: f.action, actorId: f.actorId, targetId: f.targetId, since };
}

const REASONS: Record<BrokenReason, string> = {
  hash_mismatch: 'its content no longer matches its hash (it was changed)',
  chain_link: 'it does not link to the event before it (an event was removed or inserted)',
  unknown_key: 'it was sealed with a key this server does not have',
  key_went_back: 'it was sealed with an older key than an event before it',
};

/** The verify answer in words: what holds, or the first event that does not and why. */
export function describeVerify(v: VerifyResult): { ok: boolean; title: string; detail: string } {
  const checked = `${v.checked} event${v.checked === 1 ? '' : 's'} checked`;
  if (v.ok) {
    return {
      ok: true,
      title: 'The audit chain holds',
      detail: v.headId ? `${checked}; the head is event ${v.headId}.` : `${checked}; the log is empty.`,
    };
  }
  const why = v.firstBrokenReason ? REASONS[v.firstBrokenReason] : 'the server gave no reason';
  return {
    ok: false,
    title: 'The audit chain is broken',
    detail: `The first broken event is ${v.firstBrokenId ?? 'unknown'}: ${why}. ${checked}.`,
  };
}

/** An event's details on one line, cut to `max` characters. */
export function dataLine(data: Record<string, unknown>, max = 240): string {
  const s = JSON.stringify(data);
  if (s === '{}') return '—';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
