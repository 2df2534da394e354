import { Inject, Injectable } from '@nestjs/common';
import { sign } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type BrokenReason, type ChainKey, ChainWalk, deriveChainKey } from './audit-chain';
import {
  type Checkpoint,
  type CheckpointKey,
  checkpointSignatureValid,
  deriveCheckpointKey,
  signCheckpoint,
} from './audit-checkpoint';
import { fieldsOf, type Row } from './audit.service';

const VERIFY_BATCH = 5000;
// Bounds of what a second verify is told to wait (measured: 1,000,000 events took 34 s on a loaded
// 2-core machine, so a large log can take minutes).
const RETRY_AFTER_MIN_SECONDS = 1;
const RETRY_AFTER_MAX_SECONDS = 300;

/** How far the running verify is, to tell a second caller how long to wait. */
export interface VerifyProgress {
  startedAt: number;
  /** Sequence number of the head when the walk began, and of the last event checked. */
  headSeq: number;
  doneSeq: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  headId: string | null;
  firstBrokenId: string | null;
  /** Why the first broken event does not hold; null when none is broken. */
  firstBrokenReason: BrokenReason | null;
}

export type CheckpointFailureReason =
  'unknown_key' | 'bad_signature' | 'missing' | 'hash_mismatch' | 'count_mismatch';

export interface CheckpointVerifyResult extends VerifyResult {
  truncated: boolean;
  checkpointFailures: { seq: number; reason: CheckpointFailureReason }[];
}

export interface PublicKeyView {
  keyId: string;
  publicKeyPem: string;
}

/**
 * Verification of the audit chain and its signed checkpoints (ARCHITECTURE.md "Audit"). The chain
 * alone cannot show that its newest events were cut off: a checkpoint an auditor kept outside
 * jumpgate can, because the event it names must still be there with the same hash and count.
 */
@Injectable()
export class AuditIntegrityService {
  /** Chain keys and checkpoint keys, newest first: ENCRYPTION_KEY, then ENCRYPTION_KEY_PREVIOUS. */
  private readonly chainKeys: ChainKey[];
  private readonly checkpointKeys: CheckpointKey[];
  // One verify at a time in this process: a full walk reads the whole table, and a second one at the
  // same time would only double the load for the same answer.
  private running: VerifyProgress | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // A key listed twice (the current one left in ENCRYPTION_KEY_PREVIOUS) counts once, at its newest place.
    const keys = [config.encryptionKey, ...config.encryptionKeyPrevious].filter(
      (k, i, all) => all.findIndex((other) => other.equals(k)) === i,
    );
    this.chainKeys = keys.map(deriveChainKey);
    this.checkpointKeys = keys.map(deriveCheckpointKey);
  }

  async verify(actor: Actor): Promise<VerifyResult> {
    const { truncated: _t, checkpointFailures: _f, ...result } = await this.verifyWithCheckpoints(actor, []);
    return result;
  }

  /** Recomputes the whole chain in batches and checks each checkpoint against the event it names. */
  async verifyWithCheckpoints(_actor: Actor, checkpoints: Checkpoint[]): Promise<CheckpointVerifyResult> {
    if (this.running) {
      throw new AppError('verify_in_progress', 'A verification of the audit log is already running', {
        retryAfterSeconds: retryAfter(this.running, Date.now()),
      });
    }
    const progress: VerifyProgress = { startedAt: Date.now(), headSeq: 0, doneSeq: 0 };
    this.running = progress;
    try {
      return await this.walk(checkpoints, progress);
    } finally {
      this.running = null;
    }
  }

  private async walk(checkpoints: Checkpoint[], progress: VerifyProgress): Promise<CheckpointVerifyResult> {
    const failures: CheckpointVerifyResult['checkpointFailures'] = [];
    // Only checkpoints jumpgate signed count: anyone can write a JSON object with a seq and a hash.
    const pending = new Map<string, Checkpoint[]>();
    for (const cp of checkpoints) {
      const key = this.checkpointKeys.find((k) => k.id === cp.keyId);
      if (!key) failures.push({ seq: cp.seq, reason: 'unknown_key' });
      else if (!checkpointSignatureValid(key.publicKey, cp))
        failures.push({ seq: cp.seq, reason: 'bad_signature' });
      else if (cp.seq === 0) {
        // Taken of an empty log: nothing it names can be missing.
      } else pending.set(String(cp.seq), [...(pending.get(String(cp.seq)) ?? []), cp]);
    }

    const chain = new ChainWalk(this.chainKeys);
    let checked = 0;
    let headId: string | null = null;
    let lastSeq = '0';
    let firstBrokenId: string | null = null;
    let firstBrokenReason: BrokenReason | null = null;
    let truncated = false;
    const [{ head }] = await this.dataSource.query<{ head: string | null }[]>(
      `SELECT max(seq)::text AS head FROM audit_events`,
    );
    progress.headSeq = Number(head ?? 0);
    for (;;) {
      const rows = await this.dataSource.query<Row[]>(
        `SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [lastSeq, VERIFY_BATCH],
      );
      for (const row of rows) {
        checked++;
        const reason = chain.step(fieldsOf(row), row.key_id, row.hash);
        if (reason && firstBrokenId === null) {
          firstBrokenId = row.id;
          firstBrokenReason = reason;
        }
        headId = row.id;
        const named = pending.get(String(row.seq));
        if (!named) continue;
        pending.delete(String(row.seq));
        for (const cp of named) {
          if (cp.headId !== row.id || cp.hash !== row.hash) {
            failures.push({ seq: cp.seq, reason: 'hash_mismatch' });
          } else if (cp.count !== checked) {
            // Events before it vanished (fewer) or were slipped in (more) since it was taken.
            if (checked < cp.count) truncated = true;
            failures.push({ seq: cp.seq, reason: 'count_mismatch' });
          }
        }
      }
      if (rows.length < VERIFY_BATCH) break;
      lastSeq = String(rows[rows.length - 1].seq);
      progress.doneSeq = Number(lastSeq);
    }
    // A signed checkpoint whose event is gone: the log was cut at or before it.
    for (const named of pending.values()) {
      for (const cp of named) failures.push({ seq: cp.seq, reason: 'missing' });
      truncated = true;
    }
    failures.sort((a, b) => a.seq - b.seq);
    return {
      ok: firstBrokenId === null && failures.length === 0,
      checked,
      headId,
      firstBrokenId,
      firstBrokenReason,
      truncated,
      checkpointFailures: failures,
    };
  }

  /** The chain's head now, signed with the current checkpoint key. */
  async checkpoint(_actor: Actor): Promise<Checkpoint> {
    // One statement: the head and the count come from the same snapshot.
    const [row] = await this.dataSource.query<
      { seq: string | null; id: string | null; hash: string | null; count: number }[]
    >(
      `SELECT h.seq::text AS seq, h.id, h.hash, (SELECT count(*)::int FROM audit_events) AS count
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT seq, id, hash FROM audit_events ORDER BY seq DESC LIMIT 1) h ON true`,
    );
    return signCheckpoint(this.checkpointKeys[0], {
      seq: row.seq === null ? 0 : Number(row.seq),
      headId: row.id,
      hash: row.hash,
      count: row.count,
      at: new Date().toISOString(),
    });
  }

  /**
   * A detached Ed25519 signature of `bytes` with the current checkpoint key (an evidence bundle's
   * manifest): verifiable offline with the key `publicKey` publishes.
   */
  signDetached(bytes: Buffer): { keyId: string; signature: string } {
    const key = this.checkpointKeys[0];
    return { keyId: key.id, signature: sign(null, bytes, key.privateKey).toString('base64') };
  }

  publicKey(_actor: Actor): PublicKeyView {
    const current = this.checkpointKeys[0];
    return { keyId: current.id, publicKeyPem: current.publicKeyPem };
  }

  /** Every checkpoint key jumpgate can still verify: the current one and each previous one. */
  publicKeys(_actor: Actor): { items: (PublicKeyView & { current: boolean })[] } {
    return {
      items: this.checkpointKeys.map((k, i) => ({
        keyId: k.id,
        publicKeyPem: k.publicKeyPem,
        current: i === 0,
      })),
    };
  }
}

/** The rest of the walk at the pace so far (by sequence number), within sane bounds. */
export function retryAfter(p: VerifyProgress, now: number): number {
  const elapsed = (now - p.startedAt) / 1000;
  const remaining = p.doneSeq > 0 ? (elapsed * Math.max(0, p.headSeq - p.doneSeq)) / p.doneSeq : elapsed;
  return Math.min(RETRY_AFTER_MAX_SECONDS, Math.max(RETRY_AFTER_MIN_SECONDS, Math.ceil(remaining)));
}
