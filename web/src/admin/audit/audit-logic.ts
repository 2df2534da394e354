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

export type CheckpointVerifyResult = components['schemas']['CheckpointVerifyResponse'];
type CheckpointFailureReason = CheckpointVerifyResult['checkpointFailures'][number]['reason'];

/**
 * Checkpoints an auditor kept, as pasted or read from files: one checkpoint, an array of them, or
 * several files' contents one after another. Each must have the fields the server signed.
 */
export function parseCheckpoints(texts: string[]): { checkpoints: Checkpoint[] } | { error: string } {
  const checkpoints: Checkpoint[] = [];
  for (const text of texts) {
    if (!text.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { error: 'This is not JSON: paste the checkpoint files as downloaded (or an array of them).' };
    }
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) {
      if (!isCheckpoint(c))
        return { error: 'A checkpoint needs seq, headId, hash, count, at, keyId and signature.' };
      checkpoints.push(c);
    }
  }
  if (checkpoints.length === 0) return { error: 'Paste or choose at least one checkpoint.' };
  return { checkpoints };
}

function isCheckpoint(c: unknown): c is Checkpoint {
  if (c === null || typeof c !== 'object') return false;
  const o = c as Record<string, unknown>;
  return (
    typeof o.seq === 'number' &&
    typeof o.headId === 'string' &&
    typeof o.hash === 'string' &&
    typeof o.count === 'number' &&
    typeof o.at === 'string' &&
    typeof o.keyId === 'string' &&
    typeof o.signature === 'string'
  );
}

const CHECKPOINT_REASONS: Record<CheckpointFailureReason, string> = {
  unknown_key: 'it is signed with a key this server does not have',
  bad_signature: 'its signature does not verify: the checkpoint itself was changed',
  missing: 'the event it names is gone: history was cut',
  hash_mismatch: 'the event it names no longer has the hash it had: history was rewritten',
  count_mismatch: 'the log no longer has as many events up to it as it had',
};

/** The answer to a verify against kept checkpoints, in words, one line per failed checkpoint. */
export function describeCheckpointVerify(v: CheckpointVerifyResult): {
  ok: boolean;
  title: string;
  lines: string[];
} {
  // The server's `ok` also counts the checkpoints; the chain itself holds when no event is broken.
  const chain = describeVerify({ ...v, ok: v.firstBrokenId === null });
  const lines = [chain.detail];
  if (v.truncated) lines.push('A checkpoint names an event that is no longer in the log: history was cut.');
  for (const f of v.checkpointFailures) lines.push(`Checkpoint ${f.seq}: ${CHECKPOINT_REASONS[f.reason]}.`);
  const ok = chain.ok && !v.truncated && v.checkpointFailures.length === 0;
  return {
    ok,
    title: ok
      ? 'The audit chain holds and matches every checkpoint'
      : chain.ok
        ? 'The audit chain does not match the checkpoints'
        : chain.title,
    lines,
  };
}
