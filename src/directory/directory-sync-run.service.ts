import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionInsightsService } from '../connections/connection-insights.service';
import { ConnectionsService } from '../connections/connections.service';
import { JumpCloudError } from '../jumpcloud';
import { NotificationsService } from '../notifications/notifications.service';
import { systemActor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { ChangeAttributionService } from './change-attribution.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from './directory.events';
import { DirectoryRepository } from './directory.repository';
import { DriftDetectionService } from './drift-detection.service';
import { SyncRunsRepository } from './sync-runs.repository';
import { DirectorySyncEngine, IncompleteListingError, type SyncStats } from './sync/directory-sync.engine';
import { planSync } from './sync/sync-plan';
import { PhaseClock } from './sync/sync-session';

const SYNC_ACTOR = systemActor('directory-sync');

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

/** Running one sync run (the worker's job): lock, stage, merge, settle, publish. */
@Injectable()
export class DirectorySyncRunService {
  private readonly logger = new Logger(DirectorySyncRunService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: SyncRunsRepository,
    private readonly accounts: DirectoryRepository,
    private readonly connections: ConnectionsService,
    private readonly insights: ConnectionInsightsService,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly events: EventEmitter2,
    private readonly notifications: NotificationsService,
    private readonly attribution: ChangeAttributionService,
    private readonly drift: DriftDetectionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The job handler's work; throws to let BullMQ retry a transient failure with backoff. */
  async runJob(runId: string, attempt: number, maxAttempts: number): Promise<void> {
    // The run's own steps around the engine's phases: the whole run, not only its listings and merge.
    const clock = new PhaseClock();
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let locked = false;
    let connectionId: string | null = null;
    try {
      const run = await this.runs.get(runId, qr);
      if (!run || (run.status !== 'queued' && run.status !== 'running')) return;
      connectionId = run.connection_id;
      if (!(await this.runs.tryLockConnection(qr, connectionId))) {
        // Another delivery of this run (a redelivered job) or the previous run still holds the lock.
        const now = await this.runs.get(runId, qr);
        if (now?.status !== 'queued') return;
        throw new SyncBusyError();
      }
      locked = true;
      const startedAt = await this.runs.markRunning(qr, runId);
      const connection = await this.connections.getRow(connectionId);
      if (!connection) {
        await this.finishFailed(runId, 'the connection was deleted');
        return;
      }
      const previouslyHeld = await this.runs.lastSucceededHeld(qr, connectionId);
      let apiCalls = 0;
      const client = await this.connections.clientFor(connectionId, (e) => {
        if (e.type === 'request') apiCalls++;
      });
      clock.lap('run.start');
      // Full or incremental, and for an incremental run what the events since the cursor name.
      const plan = await planSync(client, {
        requested: run.requested_mode,
        ...(await this.runs.lastSyncState(qr, connectionId)),
        fullSyncHours: this.config.fullSyncHours,
        now: new Date(),
      });
      if (plan.detail) {
        this.logger.warn(
          { runId, fallbackReason: plan.fallbackReason, error: plan.detail },
          'events unusable',
        );
      }
      await this.runs.markMode(qr, runId, plan.mode);
      // What the read found is the connection's Directory Insights state too (connection reads show it).
      if (plan.insights !== null) await this.insights.record(connectionId, plan.insights);
      clock.lap('run.plan');
      const engine = new DirectorySyncEngine(qr, client, {
        connectionId,
        runId,
        holdPercent: this.config.syncRemovalHoldPercent,
        previouslyHeld,
        startedAt,
        touches: plan.touches,
      });
      await engine.stage();
      clock.restartClock();
      // Who made the changes this run will find: read before its transaction (see ChangeAttributionService).
      const attribution = await this.attribution.read(qr, client, connectionId, plan);
      clock.lap('run.attribution');

      // A baseline run opened its transaction while staging (see DirectorySyncEngine.stage).
      if (!qr.isTransactionActive) await qr.startTransaction();
      let outcome;
      let notices: string[] = [];
      let afterDrift: () => Promise<void>;
      try {
        outcome = await engine.merge();
        if (outcome.liveCountsDrift && Object.keys(outcome.liveCountsDrift).length > 0) {
          // Only a write past the counting triggers can cause this; the recount has set them right.
          this.logger.warn({ runId, drift: outcome.liveCountsDrift }, 'kept live counts were off');
        }
        clock.restartClock();
        await this.attribution.apply(qr.manager, connectionId, runId, attribution);
        afterDrift = await this.drift.detect(qr.manager, connectionId, runId);
        clock.lap('run.drift');
        const stats: SyncStats & Pick<typeof plan, 'mode' | 'events' | 'fallbackReason'> = {
          ...outcome.stats,
          apiCalls,
          mode: plan.mode,
          events: plan.events,
          fallbackReason: plan.fallbackReason,
        };
        await this.runs.markSucceeded(
          qr,
          runId,
          {
            ...stats,
            unresolvedMembers: outcome.unresolvedMembers,
            membershipsDeferred: outcome.membershipsDeferred,
            insights: attribution.insights,
            timingsMs: { ...engine.timings, ...clock.timings },
          },
          outcome.held,
          { until: plan.eventsUntil, seen: plan.eventsSeen },
        );
        await this.disablePrincipalsOfInactiveAccounts(qr.manager, connectionId);
        await this.audit.record(qr.manager, SYNC_ACTOR, {
          action: 'directory.sync.succeeded',
          targetType: 'connection',
          targetId: connectionId,
          data: { runId, trigger: run.trigger, requestedBy: run.requested_by, stats, held: outcome.held },
        });
        notices = await this.notifyHeld(qr.manager, connectionId, runId, outcome.held);
        clock.lap('run.settle');
        await qr.commitTransaction();
        clock.lap('run.commit');
        this.logger.log({ runId, timingsMs: { ...engine.timings, ...clock.timings } }, 'sync run committed');
      } catch (err) {
        await qr.rollbackTransaction();
        throw err;
      }
      await this.connections.recordSyncOutcome(connectionId, true, null, new Date());
      await this.notifications.dispatch(notices);
      await afterDrift().catch((err: unknown) =>
        this.logger.error({ err, runId }, 'dispatching what drift caused failed; the relays send it later'),
      );
      const event: DirectorySyncCompletedEvent = {
        connectionId,
        runId,
        membershipsAdded: outcome.membershipsAdded,
        membershipsRemoved: outcome.membershipsRemoved,
        membershipRemovalsHeld: outcome.held.memberships !== undefined,
        startedAt: startedAt.toISOString(),
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
        await this.runs
          .noteAttemptError(runId, `attempt ${attempt} failed: ${message}`)
          .catch(() => undefined);
        throw err;
      }
      this.logger.error({ runId, error: message }, 'sync failed');
      await this.finishFailed(runId, message);
      if (connectionId) await this.connections.recordSyncOutcome(connectionId, false, message);
    } finally {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (locked) {
        await this.runs.unlockConnection(qr, connectionId).catch(() => undefined);
      }
      await qr.release();
    }
  }

  /** Marks an open run failed, with its audit event (also the relay's, for a job whose attempts ran out). */
  async finishFailed(runId: string, error: string): Promise<void> {
    const notices = await this.dataSource.transaction(async (m) => {
      const row = await this.runs.markFailed(m, runId, error);
      if (!row) return [];
      await this.audit.record(m, SYNC_ACTOR, {
        action: 'directory.sync.failed',
        targetType: 'connection',
        targetId: row.connection_id,
        data: { runId, trigger: row.trigger, requestedBy: row.requested_by, error },
      });
      const connection = await this.connections.getRow(row.connection_id);
      return this.notifications.notify(m, {
        kind: 'sync_failed',
        recipients: { admins: true },
        subject: { type: 'sync_run', id: runId },
        data: { runId, connectionId: row.connection_id, connectionName: connection?.name ?? '', error },
        links: { ui: `/admin/connections/${row.connection_id}`, api: `/api/v1/syncs/${runId}` },
      });
    });
    await this.notifications.dispatch(notices);
  }

  /** `removals_held` to the admins when this run held removals (API.md: the subject is the sync run). */
  private async notifyHeld(
    m: EntityManager,
    connectionId: string,
    runId: string,
    held: { accounts?: { count: number }; memberships?: { count: number } },
  ): Promise<string[]> {
    const scopes = (['accounts', 'memberships'] as const).filter((k) => held[k] !== undefined);
    if (scopes.length === 0) return [];
    const connection = await this.connections.getRow(connectionId);
    return this.notifications.notify(m, {
      kind: 'removals_held',
      recipients: { admins: true },
      subject: { type: 'sync_run', id: runId },
      data: {
        runId,
        connectionId,
        connectionName: connection?.name ?? '',
        source: `the sync of ${connection?.name ?? 'a connection'}`,
        count: scopes.reduce((n, k) => n + (held[k]?.count ?? 0), 0),
        scope: scopes.map((k) => `${held[k]?.count ?? 0} ${k}`).join(', '),
      },
      links: { ui: `/admin/connections/${connectionId}`, api: `/api/v1/syncs/${runId}` },
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
    const live = (await this.connections.listLive()).map((c) => c.id);
    const inactive = await this.accounts.getEmailsNowInactiveEverywhere(m, connectionId, emails, live);
    if (inactive.length === 0) return;
    await this.auth.disablePrincipalsByEmail(
      m,
      SYNC_ACTOR,
      inactive,
      'every linked account is suspended or removed',
    );
  }
}
