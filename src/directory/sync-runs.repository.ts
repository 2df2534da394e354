import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type HeldRemovals } from './sync/removal-hold.policy';
import { type SyncStats } from './sync/directory-sync.engine';
import { type RequestedSyncMode, type SyncMode } from './sync/sync-mode.policy';

export interface SyncRunRow {
  id: string;
  connection_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  trigger: 'manual' | 'scheduled';
  requested_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  stats: (SyncStats & Record<string, unknown>) | null;
  error: string | null;
  held: HeldRemovals | null;
  requested_mode: RequestedSyncMode;
  /** Set when the run starts (planned); runs before incremental sync existed were full. */
  mode: SyncMode | null;
  /** How far this run read Directory Insights: the cursor of the next incremental run. */
  events_until: Date | null;
  events_seen: [number, string][] | null;
  ck?: string;
}

/** The session a run works on (its advisory lock is the session's) or any other executor. */
type Db = Pick<QueryRunner | EntityManager | DataSource, 'query'>;

// Advisory-lock namespace for "one sync of this connection at a time", across processes.
const SYNC_LOCK_NAMESPACE = 727_100_010;

/** The SQL of `directory_sync_runs`: at most one queued or running run per connection (a unique index). */
@Injectable()
export class SyncRunsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A queued run, unless the connection already has one queued or running (then undefined). */
  async createQueued(
    connectionId: string,
    trigger: SyncRunRow['trigger'],
    requestedBy: string | null,
    requestedMode: RequestedSyncMode = 'auto',
  ): Promise<SyncRunRow | undefined> {
    const created = await this.dataSource.query<SyncRunRow[]>(
      `INSERT INTO directory_sync_runs (connection_id, status, trigger, requested_by, requested_mode)
       VALUES ($1, 'queued', $2, $3, $4)
       ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING *`,
      [connectionId, trigger, requestedBy, requestedMode],
    );
    return created[0];
  }

  async getOpenForConnection(connectionId: string): Promise<SyncRunRow | undefined> {
    const open = await this.dataSource.query<SyncRunRow[]>(
      `SELECT * FROM directory_sync_runs WHERE connection_id = $1 AND status IN ('queued', 'running')`,
      [connectionId],
    );
    return open[0];
  }

  /**
   * Queues a scheduled run for every given connection whose last run is older than its interval in
   * minutes (0 = off); returns the runs created.
   */
  async createScheduledForDue(connections: { id: string; intervalMinutes: number }[]): Promise<SyncRunRow[]> {
    return this.dataSource.query<SyncRunRow[]>(
      `INSERT INTO directory_sync_runs (connection_id, status, trigger)
       SELECT c.id, 'queued', 'scheduled' FROM unnest($1::uuid[], $2::int[]) AS c(id, interval_minutes)
       WHERE c.interval_minutes > 0
         AND NOT EXISTS (SELECT 1 FROM directory_sync_runs r WHERE r.connection_id = c.id
                         AND r.created_at > now() - make_interval(mins => c.interval_minutes))
       ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING *`,
      [connections.map((c) => c.id), connections.map((c) => c.intervalMinutes)],
    );
  }

  /** Runs open for more than a few seconds: the relay checks Redis still holds their jobs. */
  async getOpenOlderThanFiveSeconds(): Promise<SyncRunRow[]> {
    // Every run has its connection (a foreign key): no need to look at the connections table.
    return this.dataSource.query<SyncRunRow[]>(
      `SELECT r.* FROM directory_sync_runs r
       WHERE r.status IN ('queued', 'running') AND r.created_at < now() - interval '5 seconds'`,
    );
  }

  async get(runId: string, db: Db = this.dataSource): Promise<SyncRunRow | undefined> {
    const [row] = (await db.query(`SELECT * FROM directory_sync_runs WHERE id = $1`, [
      runId,
    ])) as SyncRunRow[];
    return row;
  }

  /** The removals the run held (API.md `GET /syncs/{id}/held`), accounts first. */
  async heldRemovals(
    runId: string,
  ): Promise<{ kind: 'account' | 'membership'; account_id: string; group_id: string | null }[]> {
    return this.dataSource.query(
      `SELECT kind, account_id, group_id FROM directory_sync_held WHERE run_id = $1
       ORDER BY kind, account_id, group_id`,
      [runId],
    );
  }

  /** Newest first, keyset-paged on (created_at, id). */
  async listForConnection(connectionId: string, ks: Keyset): Promise<SyncRunRow[]> {
    return this.dataSource.query<SyncRunRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM directory_sync_runs
       WHERE connection_id = $1 AND ${ks.after(2, { desc: true })}
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [connectionId, ...ks.params],
    );
  }

  /** The session-level lock that keeps two runs of one connection apart, across processes. */
  async tryLockConnection(qr: QueryRunner, connectionId: string): Promise<boolean> {
    const [{ ok }] = (await qr.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [
      SYNC_LOCK_NAMESPACE,
      connectionId,
    ])) as { ok: boolean }[];
    return ok;
  }

  async unlockConnection(qr: QueryRunner, connectionId: string | null): Promise<void> {
    await qr.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [SYNC_LOCK_NAMESPACE, connectionId]);
  }

  /** Marks the run running; returns when it (first) started. */
  async markRunning(qr: QueryRunner, runId: string): Promise<Date> {
    // A statement of its own (no transaction is open yet): now() is this moment.
    const [{ started_at: startedAt }] = returned<{ started_at: Date }>(
      await qr.query(
        `UPDATE directory_sync_runs SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1
         RETURNING started_at`,
        [runId],
      ),
    );
    return startedAt;
  }

  /**
   * What the mode decision needs (sync-mode.policy.ts): when the last succeeded full sync started and
   * how many JumpCloud calls it made, and how far the last succeeded run of any mode read the events.
   */
  async lastSyncState(
    qr: QueryRunner,
    connectionId: string,
  ): Promise<{
    lastFullAt: Date | null;
    fullSyncCalls: number | null;
    cursor: Date | null;
    cursorAfterFull: boolean;
    handled: [number, string][] | null;
    lastRunHeld: boolean;
  }> {
    const [row] = (await qr.query(
      `SELECT f.started_at AS last_full_at, (f.stats->>'apiCalls')::int AS full_calls,
              l.events_until AS cursor, l.events_seen AS handled, l.mode = 'full' AS after_full,
              coalesce(l.held ?| array['accounts', 'memberships'], false) AS last_run_held
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT started_at, stats FROM directory_sync_runs WHERE connection_id = $1
                          AND status = 'succeeded' AND mode = 'full' ORDER BY finished_at DESC LIMIT 1) f ON true
       LEFT JOIN LATERAL (SELECT events_until, events_seen, held, mode FROM directory_sync_runs WHERE connection_id = $1
                          AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 1) l ON true`,
      [connectionId],
    )) as {
      last_full_at: Date | null;
      full_calls: number | null;
      cursor: Date | null;
      handled: [number, string][] | null;
      last_run_held: boolean;
      after_full: boolean | null;
    }[];
    return {
      lastFullAt: row.last_full_at,
      fullSyncCalls: row.full_calls,
      cursor: row.cursor,
      cursorAfterFull: row.after_full === true,
      handled: row.handled,
      lastRunHeld: row.last_run_held,
    };
  }

  /** The mode this run runs in (decided when it starts), shown while it runs. */
  async markMode(qr: QueryRunner, runId: string, mode: SyncMode): Promise<void> {
    await qr.query(`UPDATE directory_sync_runs SET mode = $2 WHERE id = $1`, [runId, mode]);
  }

  /** What the connection's last succeeded run held back (the next run applies it when it agrees). */
  async lastSucceededHeld(qr: QueryRunner, connectionId: string): Promise<HeldRemovals | null> {
    const [previous] = (await qr.query(
      `SELECT held FROM directory_sync_runs WHERE connection_id = $1 AND status = 'succeeded'
       ORDER BY finished_at DESC LIMIT 1`,
      [connectionId],
    )) as { held: HeldRemovals | null }[];
    return previous?.held ?? null;
  }

  async markSucceeded(
    qr: QueryRunner,
    runId: string,
    stats: Record<string, unknown>,
    held: HeldRemovals,
    events: { until: Date; seen: [number, string][] },
  ): Promise<void> {
    await qr.query(
      // clock_timestamp(): now() is the start of this transaction, which a first sync opens before
      // it lists (a 345 s run read as 2 s).
      `UPDATE directory_sync_runs SET status = 'succeeded', finished_at = clock_timestamp(), stats = $2, held = $3, error = NULL,
         events_until = $4, events_seen = $5
       WHERE id = $1`,
      [runId, JSON.stringify(stats), JSON.stringify(held), events.until, JSON.stringify(events.seen)],
    );
  }

  /** Notes a failed attempt on a run that will be retried. */
  async noteAttemptError(runId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE directory_sync_runs SET error = $2 WHERE id = $1 AND status = 'running'`,
      [runId, error],
    );
  }

  /** Marks an open run failed; undefined when it was no longer open. */
  async markFailed(m: EntityManager, runId: string, error: string): Promise<SyncRunRow | undefined> {
    const rows = returned<SyncRunRow>(
      await m.query(
        `UPDATE directory_sync_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
        [runId, error],
      ),
    );
    return rows[0];
  }
}
