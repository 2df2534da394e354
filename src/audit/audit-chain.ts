import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The fields an event's hash covers, in their stored form. */
export interface ChainedFields {
  seq: string;
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  /**
   * How the actor authenticated. Absent (not null) for events written before it was recorded:
   * canonicalJson leaves undefined out, so their hashes stay what they were.
   */
  actorAuth?: unknown;
  prevHash: string | null;
}

export interface ChainKey {
  id: string;
  key: Buffer;
}

/** The audit chain's HMAC key, derived from ENCRYPTION_KEY so it never equals the encryption key. */
export function deriveChainKey(encryptionKey: Buffer): ChainKey {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'jumpgate audit chain v1', 32));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** JSON with object keys sorted at every depth: the same event always serialises the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function chainHash(key: Buffer, fields: ChainedFields): string {
  return createHmac('sha256', key).update(canonicalJson(fields)).digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A UUID (version 7 layout) built from the event time and its sequence number, so that ordering events
 * by id is ordering them by the chain, as API.md's "ordered by id" asks.
 */
export function sequentialUuid(atMs: number, seq: bigint): string {
  const ts = BigInt(atMs) & 0xffffffffffffn;
  const s = seq & ((1n << 74n) - 1n);
  const randA = (s >> 62n) & 0xfffn;
  const randB = s & ((1n << 62n) - 1n);
  const hi = (ts << 16n) | (0x7n << 12n) | randA;
  const lo = (0x2n << 62n) | randB;
  const hex = hi.toString(16).padStart(16, '0') + lo.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type BrokenReason = 'hash_mismatch' | 'chain_link' | 'unknown_key' | 'key_went_back';

/**
 * Walks the chain in order and says why an event does not hold. `keys` are newest first (ENCRYPTION_KEY,
 * then ENCRYPTION_KEY_PREVIOUS in order): an event keyed with a previous key verifies, but one keyed with
 * an older key than an event before it is flagged, since jumpgate only ever moves to a newer key; a
 * chain that goes back was written (or rewritten) by someone holding a retired key.
 */
export class ChainWalk {
  private readonly rank = new Map<string, { key: Buffer; rank: number }>();
  private newestRankSeen = Number.POSITIVE_INFINITY;
  private prevHash: string | null = null;

  constructor(keys: readonly ChainKey[]) {
    keys.forEach((k, i) => {
      if (!this.rank.has(k.id)) this.rank.set(k.id, { key: k.key, rank: i });
    });
  }

  step(fields: ChainedFields, keyId: string, hash: string): BrokenReason | null {
    const known = this.rank.get(keyId);
    let reason: BrokenReason | null = null;
    if (fields.prevHash !== this.prevHash) reason = 'chain_link';
    else if (!known) reason = 'unknown_key';
    else if (!hashesEqual(hash, chainHash(known.key, fields))) reason = 'hash_mismatch';
    else if (known.rank > this.newestRankSeen) reason = 'key_went_back';
    if (known) this.newestRankSeen = Math.min(this.newestRankSeen, known.rank);
    this.prevHash = hash;
    return reason;
  }
}
