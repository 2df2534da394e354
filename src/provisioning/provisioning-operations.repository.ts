import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { returned } from '../platform/database/sql';
import { type OperationResult, type OperationStatus } from './dto/provisioning.dto';
import { type OperationSourceType } from './provisioning.events';
import { type OperationIntent } from './provisioning.service';

export interface OperationRow {
  id: string;
  connection_id: string;
  action: 'add_member' | 'remove_member';
  account_id: string;
  group_id: string;
  reason: string;
  source_type: OperationSourceType;
  source_id: string;
  status: OperationStatus;
  attempts: number;
  last_error: string | null;
  verification: 'pending' | 'confirmed' | 'contradicted';
  result: OperationResult | null;
  write_uncertain: boolean;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  ck?: string;
}

/** One new operation, as `addAll` takes it: an intent and its idempotency key. */
export type NewOperation = Omit<OperationIntent, 'key'> & { idempotencyKey: string };

/** How one operation ends, as `settleAll` writes it. */
export interface OperationEnd {
  id: string;
  status: 'succeeded' | 'failed' | 'manual';
  error: string | null;
  /** Write calls made by this attempt, added to `attempts`. */
  calls: number;
  result: OperationResult | null;
  uncertain: boolean;
}

export interface OperationFilter {
  status?: OperationStatus;
  connectionId?: string;
  sourceType?: string;
  sourceId?: string;
}

/** The SQL of the provisioning outbox (`provisioning_operations`); nobody else reads that table. */
@Injectable()
export class ProvisioningOperationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts operations set-wise, skipping any idempotency key already there, and returns the id of
   * every key's operation (new or existing).
   */
  async addAll(m: EntityManager, ops: NewOperation[]): Promise<Map<string, string>> {
    const col = <K extends keyof NewOperation>(k: K) => ops.map((o) => o[k]);
    const keys = col('idempotencyKey');
    await m.query(
      `INSERT INTO provisioning_operations (connection_id, action, account_id, group_id, reason, source_type, source_id,
         idempotency_key)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::text[])
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        col('connectionId'),
        col('action'),
        col('accountId'),
        col('groupId'),
        col('reason'),
        col('sourceType'),
        col('sourceId'),
        keys,
      ],
    );
    const rows = await m.query<{ id: string; idempotency_key: string }[]>(
      `SELECT id, idempotency_key FROM provisioning_operations WHERE idempotency_key = ANY($1::text[])`,
      [keys],
    );
    return new Map(rows.map((r) => [r.idempotency_key, r.id]));
  }

  /** Open operations older than a moment (the relay's candidates: a job may be on its way yet). */
  async getOpenForRelay(): Promise<OperationRow[]> {
    return this.dataSource.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE status IN ('pending', 'running')
       AND created_at < now() - interval '2 seconds' ORDER BY created_at, id LIMIT 5000`,
    );
  }

  /**
   * These operations, each with an older open operation of the same membership if there is one (it
   * must apply first), in one read for a whole batch of the worker's jobs. Call it after taking their
   * locks: a read before the lock could see a settled operation still open.
   */
  async getWithOlderOpen(ids: string[]): Promise<(OperationRow & { older_id: string | null })[]> {
    return this.dataSource.query<(OperationRow & { older_id: string | null })[]>(
      `SELECT o.*, (SELECT p.id FROM provisioning_operations p
                    WHERE p.group_id = o.group_id AND p.account_id = o.account_id AND p.status IN ('pending', 'running')
                      AND (p.created_at, p.id) < (o.created_at, o.id) LIMIT 1) AS older_id
       FROM provisioning_operations o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Operations a worker is about to call JumpCloud for (`started_at` stays the first attempt's). */
  async markRunning(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE provisioning_operations SET status = 'running', started_at = COALESCE(started_at, now())
       WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** An attempt that BullMQ will retry: its write calls and error, and whether a write may have landed. */
  async recordRetriedAttempt(id: string, calls: number, error: string, uncertain: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE provisioning_operations SET attempts = attempts + $2, last_error = $3,
         write_uncertain = write_uncertain OR $4 WHERE id = $1`,
      [id, calls, error, uncertain],
    );
  }

  /** Ends open operations set-wise; returns the rows it ended (one already ended is left alone). */
  async settleAll(m: EntityManager, ends: OperationEnd[]): Promise<OperationRow[]> {
    return returned<OperationRow>(
      await m.query(
        `UPDATE provisioning_operations o
         SET status = s.status, last_error = s.error, attempts = o.attempts + s.calls,
           completed_at = clock_timestamp(), result = s.result, write_uncertain = o.write_uncertain OR s.uncertain
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::boolean[])
           AS s(id, status, error, calls, result, uncertain)
         WHERE o.id = s.id AND o.status IN ('pending', 'running') RETURNING o.*`,
        [
          ends.map((e) => e.id),
          ends.map((e) => e.status),
          ends.map((e) => e.error),
          ends.map((e) => e.calls),
          ends.map((e) => e.result),
          ends.map((e) => e.uncertain),
        ],
      ),
    );
  }

  /** See ProvisioningService.unsettledAdds. */
  async getUnsettledAdds(
    m: EntityManager,
    pairs: { groupId: string; accountId: string }[],
  ): Promise<Set<string>> {
    const rows = await m.query<{ k: string }[]>(
      `SELECT DISTINCT o.group_id::text || ':' || o.account_id::text AS k
       FROM unnest($1::uuid[], $2::uuid[]) AS p(group_id, account_id)
       JOIN provisioning_operations o ON o.group_id = p.group_id AND o.account_id = p.account_id
       WHERE o.action = 'add_member'
         AND (o.status IN ('pending', 'running') OR (o.status = 'failed' AND o.write_uncertain AND o.verification = 'pending'))`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
    return new Set(rows.map((r) => r.k));
  }

  /**
   * Operations of a connection that a sync started at `before` can verify: succeeded ones, and failed
   * adds whose write may have landed, completed before the sync started.
   */
  async getAwaitingVerification(connectionId: string, before: Date | string): Promise<OperationRow[]> {
    return this.dataSource.query<OperationRow[]>(
      // Two selects, each matching its own partial index.
      `SELECT * FROM provisioning_operations WHERE connection_id = $1 AND status = 'succeeded'
         AND verification = 'pending' AND completed_at < $2
       UNION ALL
       SELECT * FROM provisioning_operations WHERE connection_id = $1 AND status = 'failed' AND write_uncertain
         AND verification = 'pending' AND completed_at < $2 AND action = 'add_member'`,
      [connectionId, before],
    );
  }

  /**
   * Those of `ids` still awaiting verification, locked until the verdicts are stored: a second sync's
   * verification, or an admin's retry reopening one, waits and then finds it decided.
   */
  async lockAwaitingVerification(m: EntityManager, ids: string[]): Promise<OperationRow[]> {
    return m.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE id = ANY($1::uuid[]) AND verification = 'pending'
         AND status IN ('succeeded', 'failed') ORDER BY id FOR UPDATE`,
      [ids],
    );
  }

  async setVerification(m: EntityManager, confirmed: string[], contradicted: string[]): Promise<void> {
    await m.query(
      `UPDATE provisioning_operations SET verification = CASE WHEN id = ANY($1::uuid[]) THEN 'confirmed' ELSE 'contradicted' END
       WHERE id = ANY($1::uuid[]) OR id = ANY($2::uuid[])`,
      [confirmed, contradicted],
    );
  }

  async list(f: OperationFilter, ks: Keyset): Promise<OperationRow[]> {
    return this.dataSource.query<OperationRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM provisioning_operations
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR connection_id = $2)
         AND ($3::text IS NULL OR source_type = $3) AND ($4::uuid IS NULL OR source_id = $4)
         AND ${ks.after(5)}
       ORDER BY created_at, id LIMIT $7`,
      [f.status ?? null, f.connectionId ?? null, f.sourceType ?? null, f.sourceId ?? null, ...ks.params],
    );
  }

  async get(id: string): Promise<OperationRow | undefined> {
    const [row] = await this.dataSource.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE id = $1`,
      [id],
    );
    return row;
  }

  async getForUpdate(m: EntityManager, id: string): Promise<OperationRow | undefined> {
    const [row] = await m.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row;
  }

  /** A failed operation made pending again (an admin's retry). */
  async reopen(m: EntityManager, id: string): Promise<OperationRow> {
    const [updated] = returned<OperationRow>(
      await m.query(
        `UPDATE provisioning_operations SET status = 'pending', completed_at = NULL, verification = 'pending',
           result = NULL WHERE id = $1 RETURNING *`,
        [id],
      ),
    );
    return updated;
  }
}
