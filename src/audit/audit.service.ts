import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor, type ActorVia, viaOf } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { type ChainedFields, type ChainKey, chainHash, deriveChainKey, sequentialUuid } from './audit-chain';

// Serialises appends so the chain never forks; held until the appending transaction ends.
export const AUDIT_APPEND_LOCK_KEY = 727_100_003;

export interface AuditEventInput {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** The change, with counts for bulk work; never a secret (secret-named keys are dropped). */
  data?: Record<string, unknown>;
}

/** API.md: `actor: {type, id, email, via, tokenId?, sessionId?, channelId?}`. */
export type AuditActorView = {
  type: 'principal' | 'system';
  id: string | null;
  email: string | null;
} & ActorVia;

export interface AuditEventView {
  id: string;
  at: string;
  actor: AuditActorView;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
}

export interface AuditFilter {
  since?: Date;
  action?: string;
  actorId?: string;
  targetId?: string;
  limit: number;
  cursor?: string;
}

export interface Row {
  seq: string;
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  data: Record<string, unknown>;
  actor_auth: ActorVia | null;
  key_id: string;
  prev_hash: string | null;
  hash: string;
}

const SECRET_KEY = /secret|password|passwd|token$|^token|apikey|api_key|authorization|credential/i;

/** Drops secret-named fields at any depth: defence in depth, callers should not pass them at all. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k) && !/^token(Id|Name|Prefix)$/i.test(k)) continue;
    out[k] = withoutSecrets(v);
  }
  return out;
}

export function fieldsOf(row: Row): ChainedFields {
  return {
    seq: String(row.seq),
    id: row.id,
    at: row.at.toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorEmail: row.actor_email,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    data: row.data,
    // Events from before actor_auth existed hash without it (undefined is left out of the hash).
    actorAuth: row.actor_auth ?? undefined,
    prevHash: row.prev_hash,
  };
}

function toView(row: Row): AuditEventView {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: {
      type: row.actor_type as 'principal' | 'system',
      id: row.actor_id,
      email: row.actor_email,
      // Before actor_auth was recorded, bearer tokens were the only way a principal authenticated.
      ...(row.actor_auth ?? (row.actor_type === 'system' ? { via: 'system' } : { via: 'token' })),
    },
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    data: row.data,
  };
}

/**
 * The append-only, keyed hash chain of events (ARCHITECTURE.md "Audit"). Other modules call `record`
 * inside their own transaction, so an action and its event commit or roll back together.
 */
@Injectable()
export class AuditService {
  private readonly key: ChainKey;
  // Appends kept for the end of a transaction opened by `transaction`, by its query runner.
  private readonly deferred = new WeakMap<object, { actor: Actor; input: AuditEventInput }[]>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.key = deriveChainKey(config.encryptionKey);
  }

  /**
   * A transaction whose appends (`record`, `recordMany` on its manager, wherever they are called from)
   * are kept and written together at its end, in order, right before the commit: the cluster-wide
   * append lock is then held for a few round trips, not from the first append to the commit. For
   * work that many callers run at once (a burst of access requests), where that lock is what they
   * queue on. Nothing is appended if `fn` throws (the transaction rolls back anyway).
   */
  async transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      const runner = m.queryRunner as object;
      const kept: { actor: Actor; input: AuditEventInput }[] = [];
      this.deferred.set(runner, kept);
      let result: T;
      try {
        result = await fn(m);
      } finally {
        this.deferred.delete(runner);
      }
      // One recordMany per run of events by the same actor keeps the order of the calls.
      for (let i = 0; i < kept.length;) {
        let j = i + 1;
        while (j < kept.length && kept[j].actor === kept[i].actor) j++;
        await this.recordMany(
          m,
          kept[i].actor,
          kept.slice(i, j).map((k) => k.input),
        );
        i = j;
      }
      return result;
    });
  }

  /** Appends one event inside the caller's transaction (kept for its end inside `transaction`). */
  async record(manager: EntityManager, actor: Actor, input: AuditEventInput): Promise<void> {
    await this.recordMany(manager, actor, [input]);
  }

  /**
   * Appends many events inside the caller's transaction with a handful of statements (one lock, one
   * head read, one sequence read, inserts in chunks) instead of four per event: a bulk action still
   * records one event per item, in order, chained exactly as `record` would chain them.
   */
  async recordMany(manager: EntityManager, actor: Actor, inputs: AuditEventInput[]): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('AuditService.record must run inside the transaction of the action it records');
    }
    if (inputs.length === 0) return;
    const kept = this.deferred.get(manager.queryRunner);
    if (kept) {
      kept.push(...inputs.map((input) => ({ actor, input })));
      return;
    }
    // Everything that does not depend on the head is prepared before the lock, and the head and the
    // sequence numbers come in one statement: the lock is held for as few round trips as possible,
    // since every append in the cluster waits for it.
    const prepared = inputs.map((input) => ({
      action: input.action,
      target_type: input.targetType ?? null,
      target_id: input.targetId ?? null,
      data: JSON.parse(JSON.stringify(withoutSecrets(input.data ?? {}))) as Record<string, unknown>,
    }));
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
    // A statement of its own after the lock: its snapshot must see the head the previous holder committed.
    const [{ head_hash, head_at, seqs: seqTexts }] = await manager.query<
      { head_hash: string | null; head_at: Date | null; seqs: string[] }[]
    >(
      `SELECT h.hash AS head_hash, h.at AS head_at,
              ARRAY(SELECT nextval('audit_events_seq')::text FROM generate_series(1, $1)) AS seqs
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT hash, at FROM audit_events ORDER BY seq DESC LIMIT 1) h ON true`,
      [inputs.length],
    );
    const seqs = seqTexts.map((t) => BigInt(t)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Times never go backwards along the chain, so ids (built from time and seq) sort like the chain.
    const atMs = Math.max(Date.now(), head_at?.getTime() ?? 0);
    let prevHash = head_hash;
    const rows: Row[] = prepared.map((input, i) => {
      const row: Row = {
        seq: seqs[i].toString(),
        id: sequentialUuid(atMs, seqs[i]),
        at: new Date(atMs),
        actor_type: actor.type,
        actor_id: actor.id,
        actor_email: actor.type === 'principal' ? actor.email : null,
        ...input,
        actor_auth: viaOf(actor),
        key_id: this.key.id,
        prev_hash: prevHash,
        hash: '',
      };
      row.hash = chainHash(this.key.key, fieldsOf(row));
      prevHash = row.hash;
      return row;
    });
    // 14 parameters a row: 2,000 rows stay well under Postgres's 65,535 bind parameters.
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      const params: unknown[] = [];
      const values = chunk.map((row) => {
        const base = params.length;
        params.push(
          row.seq,
          row.id,
          row.at,
          row.actor_type,
          row.actor_id,
          row.actor_email,
          row.action,
          row.target_type,
          row.target_id,
          JSON.stringify(row.data),
          JSON.stringify(row.actor_auth),
          row.key_id,
          row.prev_hash,
          row.hash,
        );
        return `(${Array.from({ length: 14 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await manager.query(
        `INSERT INTO audit_events (seq, id, at, actor_type, actor_id, actor_email, action, target_type, target_id,
           data, actor_auth, key_id, prev_hash, hash)
         VALUES ${values.join(', ')}`,
        params,
      );
    }
  }

  /** For actions with nothing else to write: the event in a transaction of its own. */
  async recordAlone(actor: Actor, input: AuditEventInput): Promise<void> {
    return this.dataSource.transaction((m) => this.record(m, actor, input));
  }

  async list(_actor: Actor, filter: AuditFilter): Promise<Page<AuditEventView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown): void => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.since) add('at >= ?', filter.since);
    if (filter.action) add('action = ?', filter.action);
    if (filter.actorId) add('actor_id = ?', filter.actorId);
    if (filter.targetId) add('target_id = ?', filter.targetId);
    // Keyed by seq, the chain's order (a bigint), not by created_at.
    const ks = Keyset.from(filter.cursor, filter.limit, 'seq');
    if (ks.position) add('seq > ?', ks.position.k);
    params.push(filter.limit + 1);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return ks.page(rows, toView, (r) => ({ k: String(r.seq), id: r.id }));
  }

  /**
   * Every event about a subject (a campaign), oldest first, up to `throughSeq` (a checkpoint's seq, so
   * a bundle holds exactly what that checkpoint covers): events whose target is the subject, and events
   * whose data names it as `campaignId` (every event about a campaign's items does). Read in keyset
   * batches, so memory stays flat however many there are.
   */
  async *eventsAbout(subjectId: string, throughSeq: number, batch = 2000): AsyncGenerator<AuditEventView> {
    let after = '0';
    for (;;) {
      // `data ? 'campaignId'` lets the planner use audit_events_campaign_idx (a partial index).
      const rows = await this.dataSource.query<Row[]>(
        `SELECT * FROM audit_events
         WHERE seq > $2 AND seq <= $3
           AND (target_id = $1 OR (data ? 'campaignId' AND data->>'campaignId' = $1))
         ORDER BY seq LIMIT $4`,
        [subjectId, after, throughSeq, batch],
      );
      for (const r of rows) yield toView(r);
      if (rows.length < batch) return;
      after = String(rows[rows.length - 1].seq);
    }
  }
}
