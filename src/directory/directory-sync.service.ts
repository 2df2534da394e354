import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { type Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionsService } from '../connections/connections.service';
import { JumpCloudError } from '../jumpcloud';
import { type Actor, systemActor } from '../platform/actor';
import { returned } from '../platform/database/sql';
import { AppError, notFound } from '../platform/http/app-error';
import { decodeCursor, type Page, toPage, cursorKey } from '../platform/http/pagination';
import { QUEUES } from '../platform/queue/queues';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from './directory.events';
import {
  DirectorySyncEngine,
  type HeldRemovals,
  IncompleteListingError,
  type SyncStats,
} from './sync/directory-sync.engine';

export interface SyncJobData {
  runId: string;
}

export const SYNC_JOB_NAME = 'sync';
export const SYNC_JOB_ATTEMPTS = 4;
const SYNC_ACTOR = systemActor('directory-sync');
// Advisory-lock namespace for "one sync of this connection at a time", across processes.
const SYNC_LOCK_NAMESPACE = 727_100_010;

export const syncJobId = (runId: string): string => `sync.${runId}`;

interface RunRow {
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
  ck?: string;
}

export interface SyncRunResponse {
  id: string;
  connectionId: string;
  status: RunRow['status'];
  trigger: RunRow['trigger'];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  stats: SyncStats;
  /** Removals held back because they exceeded the share allowed in one run (applied when the next run agrees). */
  held: HeldRemovals;
  error: string | null;
}

const EMPTY_STATS: SyncStats = {
  users: 0,
  admins: 0,
  groups: 0,
  memberships: 0,
  applications: 0,
  added: 0,
  removed: 0,
  updated: 0,
  apiCalls: 0,
};

function toRunResponse(r: RunRow): SyncRunResponse {
  const stats = { ...EMPTY_STATS };
  for (const k of Object.keys(EMPTY_STATS) as (keyof SyncStats)[]) {
    if (typeof r.stats?.[k] === 'number') stats[k] = r.stats[k];
  }
  return {
    id: r.id,
    connectionId: r.connection_id,
    status: r.status,
    trigger: r.trigger,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    stats,
    held: r.held ?? {},
    error: r.error,
  };
}

/** Errors worth another attempt later: JumpCloud hiccups, a listing that changed under us, a busy lock. */
function isTransient(err: unknown): boolean {
  if (err instanceof JumpCloudError) return err.transient;
  if (err instanceof IncompleteListingError) return true;
  // Connection errors to Postgres and the like: retried too.
  return !(err instanceof AppError);
}

class SyncBusyError extends Error {
  constructor() {
    super('another sync of this connection is running');
  }
}

function describe(err: unknown): string {
  if (err instanceof JumpCloudError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return 'unknown error';
}

@Injectable()
export class DirectorySyncService implements OnModuleInit {
  private readonly logger = new Logger(DirectorySyncService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionsService,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly events: EventEmitter2,
    private readonly tick: ClusterTickService,
    @InjectQueue(QUEUES.directorySync) private readonly queue: Queue<SyncJobData>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: 'directory-sync.schedule',
      periodMs: () => 15_000,
      run: async () => void (await this.enqueueScheduled()),
    });
    this.tick.register({
      name: 'directory-sync.relay',
      periodMs: () => 15_000,
      run: async () => void (await this.relay()),
    });
  }

  // ---------------------------------------------------------------- triggering

  /** Starts a run, or returns the one already queued or running for the connection. */
  async trigger(
    actor: Actor,
    connectionId: string,
    trigger: 'manual' | 'scheduled' = 'manual',
  ): Promise<SyncRunResponse> {
    if (!(await this.connections.getRow(connectionId))) throw notFound('Connection');
    const created = await this.dataSource.query<RunRow[]>(
      `INSERT INTO directory_sync_runs (connection_id, status, trigger, requested_by)
       VALUES ($1, 'queued', $2, $3)
       ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING RETURNING *`,
      [connectionId, trigger, actor.type === 'principal' ? actor.id : null],
    );
    if (created[0]) {
      await this.enqueue(created[0].id);
      return toRunResponse(created[0]);
    }
    const open = await this.dataSource.query<RunRow[]>(
      `SELECT * FROM directory_sync_runs WHERE connection_id = $1 AND status IN ('queued', 'running')`,
      [connectionId],
    );
    if (!open[0]) return this.trigger(actor, connectionId, trigger); // it finished in between
    return toRunResponse(open[0]);
  }

  private async enqueue(runId: string): Promise<void> {
    try {
      await this.queue.add(
        SYNC_JOB_NAME,
        { runId },
        {
          jobId: syncJobId(runId),
          attempts: SYNC_JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.syncRetryBaseMs },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    } catch (err) {
      // Postgres holds the run; the relay in the cluster tick enqueues it once Redis answers.
      this.logger.warn({ err, runId }, 'sync run not enqueued yet (Redis)');
    }
  }

  /** Scheduled runs: every connection whose last run is older than its interval (cluster tick). */
  async enqueueScheduled(): Promise<number> {
    const due = await this.dataSource.query<RunRow[]>(
      `INSERT INTO directory_sync_runs (connection_id, status, trigger)
       SELECT c.id, 'queued', 'scheduled' FROM connections c
       WHERE c.deleted_at IS NULL AND COALESCE(c.sync_interval_minutes, $1) > 0
         AND NOT EXISTS (SELECT 1 FROM directory_sync_runs r WHERE r.connection_id = c.id
                         AND r.created_at > now() - make_interval(mins => COALESCE(c.sync_interval_minutes, $1)))
       ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING *`,
      [this.config.syncIntervalMinutes],
    );
    for (const run of due) await this.enqueue(run.id);
    return due.length;
  }

  /** Runs Postgres holds as open but Redis does not (a flush, a crash between commit and enqueue). */
  async relay(): Promise<number> {
    const open = await this.dataSource.query<RunRow[]>(
      `SELECT r.* FROM directory_sync_runs r JOIN connections c ON c.id = r.connection_id
       WHERE r.status IN ('queued', 'running') AND r.created_at < now() - interval '5 seconds'`,
    );
    let requeued = 0;
    for (const run of open) {
      const job = await this.queue.getJob(syncJobId(run.id));
      if (!job) {
        await this.enqueue(run.id);
        requeued++;
        continue;
      }
      if (await job.isFailed()) {
        if (run.status === 'queued') {
          // It never started (the connection was busy every time): try again.
          await job.remove();
          await this.enqueue(run.id);
          requeued++;
        } else {
          await this.finishFailed(run.id, job.failedReason || 'the sync job failed');
        }
      }
    }
    return requeued;
  }

  // ---------------------------------------------------------------- running (worker)

  /** The job handler's work; throws to let BullMQ retry a transient failure with backoff. */
  async runJob(runId: string, attempt: number, maxAttempts: number): Promise<void> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let locked = false;
    let connectionId: string | null = null;
    try {
      const [run] = (await qr.query(`SELECT * FROM directory_sync_runs WHERE id = $1`, [runId])) as RunRow[];
      if (!run || (run.status !== 'queued' && run.status !== 'running')) return;
      connectionId = run.connection_id;
      const [{ ok }] = (await qr.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [
        SYNC_LOCK_NAMESPACE,
        connectionId,
      ])) as { ok: boolean }[];
      if (!ok) {
        // Another delivery of this run (a redelivered job) or the previous run still holds the lock.
        const [now] = (await qr.query(`SELECT status FROM directory_sync_runs WHERE id = $1`, [
          runId,
        ])) as RunRow[];
        if (now?.status !== 'queued') return;
        throw new SyncBusyError();
      }
      locked = true;
      // A statement of its own (no transaction is open yet): now() is this moment.
      const [{ started_at: startedAt }] = returned<{ started_at: Date }>(
        await qr.query(
          `UPDATE directory_sync_runs SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1
           RETURNING started_at`,
          [runId],
        ),
      );
      const connection = await this.connections.getRow(connectionId);
      if (!connection) {
        await this.finishFailed(runId, 'the connection was deleted');
        return;
      }
      const [previous] = (await qr.query(
        `SELECT held FROM directory_sync_runs WHERE connection_id = $1 AND status = 'succeeded'
         ORDER BY finished_at DESC LIMIT 1`,
        [connectionId],
      )) as { held: HeldRemovals | null }[];
      let apiCalls = 0;
      const client = await this.connections.clientFor(connectionId, (e) => {
        if (e.type === 'request') apiCalls++;
      });
      const engine = new DirectorySyncEngine(qr, client, {
        connectionId,
        runId,
        holdPercent: this.config.syncRemovalHoldPercent,
        previouslyHeld: previous?.held ?? null,
        startedAt,
      });
      await engine.stage();

      // A baseline run opened its transaction while staging (see DirectorySyncEngine.stage).
      if (!qr.isTransactionActive) await qr.startTransaction();
      let outcome;
      try {
        outcome = await engine.merge();
        const stats: SyncStats = { ...outcome.stats, apiCalls };
        await qr.query(
          // clock_timestamp(): now() is the start of this transaction, which a first sync opens before
          // it lists (a 345 s run read as 2 s).
          `UPDATE directory_sync_runs SET status = 'succeeded', finished_at = clock_timestamp(), stats = $2, held = $3, error = NULL
           WHERE id = $1`,
          [
            runId,
            JSON.stringify({
              ...stats,
              unresolvedMembers: outcome.unresolvedMembers,
              membershipsDeferred: outcome.membershipsDeferred,
              timingsMs: engine.timings,
            }),
            JSON.stringify(outcome.held),
          ],
        );
        await this.disablePrincipalsOfInactiveAccounts(qr.manager, connectionId);
        await this.audit.record(qr.manager, SYNC_ACTOR, {
          action: 'directory.sync.succeeded',
          targetType: 'connection',
          targetId: connectionId,
          data: { runId, trigger: run.trigger, requestedBy: run.requested_by, stats, held: outcome.held },
        });
        const finishing = Date.now();
        await qr.commitTransaction();
        this.logger.log(
          { runId, timingsMs: { ...engine.timings, commit: Date.now() - finishing } },
          'sync run committed',
        );
      } catch (err) {
        await qr.rollbackTransaction();
        throw err;
      }
      await this.connections.recordSyncOutcome(connectionId, true, null, new Date());
      const event: DirectorySyncCompletedEvent = {
        connectionId,
        runId,
        membershipsAdded: outcome.membershipsAdded,
        membershipsRemoved: outcome.membershipsRemoved,
        membershipRemovalsHeld: outcome.held.memberships !== undefined,
      };
      await this.events.emitAsync(DIRECTORY_SYNC_COMPLETED, event);
    } catch (err) {
      // A listing that failed while a baseline's transaction was open: nothing of it is kept.
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      // Busy is not a failure of the run: BullMQ retries later, and the relay re-enqueues if attempts run out.
      if (err instanceof SyncBusyError) throw err;
      const message = describe(err);
      if (isTransient(err) && attempt < maxAttempts) {
        this.logger.warn({ runId, attempt, error: message }, 'sync attempt failed; retrying with backoff');
        await this.dataSource
          .query(`UPDATE directory_sync_runs SET error = $2 WHERE id = $1 AND status = 'running'`, [
            runId,
            `attempt ${attempt} failed: ${message}`,
          ])
          .catch(() => undefined);
        throw err;
      }
      this.logger.error({ runId, error: message }, 'sync failed');
      await this.finishFailed(runId, message);
      if (connectionId) await this.connections.recordSyncOutcome(connectionId, false, message);
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (locked) {
        await qr
          .query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [SYNC_LOCK_NAMESPACE, connectionId])
          .catch(() => undefined);
      }
      await qr.release();
    }
  }

  private async finishFailed(runId: string, error: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const rows = returned<RunRow>(
        await m.query(
          `UPDATE directory_sync_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2
           WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
          [runId, error],
        ),
      );
      if (!rows[0]) return;
      await this.audit.record(m, SYNC_ACTOR, {
        action: 'directory.sync.failed',
        targetType: 'connection',
        targetId: rows[0].connection_id,
        data: { runId, trigger: rows[0].trigger, requestedBy: rows[0].requested_by, error },
      });
    });
  }

  /**
   * A principal whose every linked account (any connection) is suspended or removed is disabled
   * (API.md), when this run touched one of those accounts; one with no linked account is left alone.
   */
  private async disablePrincipalsOfInactiveAccounts(m: EntityManager, connectionId: string): Promise<void> {
    // Only principals' emails matter, and there are few of them next to a directory's accounts.
    const emails = await this.auth.enabledPrincipalEmails();
    if (emails.length === 0) return;
    // now() is this transaction's start: every account the run changed was stamped inside it, later.
    // (Runs of one connection never overlap, and an earlier run committed before this one began.)
    const rows = await m.query<{ email: string }[]>(
      `SELECT DISTINCT lower(a.email) AS email FROM directory_accounts a
       WHERE a.connection_id = $1 AND lower(a.email) = ANY($2::text[]) AND a.updated_at >= now()
         AND (a.removed_at IS NOT NULL OR a.state = 'SUSPENDED')
         AND NOT EXISTS (SELECT 1 FROM directory_accounts b JOIN connections c ON c.id = b.connection_id AND c.deleted_at IS NULL
                         WHERE lower(b.email) = lower(a.email) AND b.removed_at IS NULL AND b.state <> 'SUSPENDED')`,
      [connectionId, emails],
    );
    if (rows.length === 0) return;
    await this.auth.disablePrincipalsByEmail(
      m,
      SYNC_ACTOR,
      rows.map((r) => r.email),
      'every linked account is suspended or removed',
    );
  }

  // ---------------------------------------------------------------- reading

  async listRuns(
    _actor: Actor,
    connectionId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<SyncRunResponse>> {
    if (!(await this.connections.getRow(connectionId))) throw notFound('Connection');
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<RunRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM directory_sync_runs
       WHERE connection_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [connectionId, after?.k ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.id }), toRunResponse);
  }

  async getRun(_actor: Actor, runId: string): Promise<SyncRunResponse> {
    const [row] = await this.dataSource.query<RunRow[]>(`SELECT * FROM directory_sync_runs WHERE id = $1`, [
      runId,
    ]);
    if (!row) throw notFound('Sync run');
    return toRunResponse(row);
  }
}
