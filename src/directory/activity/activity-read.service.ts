import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { ConnectionInsightsService } from '../../connections/connection-insights.service';
import { ConnectionsService } from '../../connections/connections.service';
import { INSIGHTS_MAX_LIMIT, isJumpCloudError, type JumpCloudClient } from '../../jumpcloud';
import { JobQueue } from '../../platform/queue/job-queue';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory.events';
import { ActivityRepository } from './activity.repository';
import { latestSignIns, SIGN_IN_EVENTS, type SignIn } from './sign-in.policy';

// One constant per advisory lock jumpgate takes (see platform/database/migrate.ts).
const ACTIVITY_LOCK_NAMESPACE = 727_100_041;
/** Directory Insights keeps 90 days: the first read covers all of it. */
export const INSIGHTS_RETENTION_MS = 90 * 24 * 3600_000;
/**
 * Each read starts this long before the cursor: JumpCloud may file an event minutes after it
 * happened (API-NOTES §10), and a sign-in read twice changes nothing (the latest time wins).
 */
export const ACTIVITY_OVERLAP_MS = 30 * 60_000;

/** Another read of the same connection holds the lock: BullMQ retries this one later. */
export class ActivityBusyError extends Error {
  constructor() {
    super('another activity read of this connection is running');
  }
}

export type ActivityReadOutcome =
  | { status: 'read'; events: number; signIns: number; from: Date; through: Date }
  | { status: 'skipped'; insights: 'forbidden' | 'unavailable'; reason: string };

/**
 * The Directory Insights read that follows each successful sync, as a job of its own so it never
 * delays the sync's merge: sign-ins since the connection's cursor (less the overlap), the latest per
 * account and per account and application, and the connection's `insights` state from what it found.
 * When insights cannot be read it stores nothing and says so in that state; the activity read before
 * stays, with the moment it was read through.
 */
@Injectable()
export class ActivityReadService {
  private readonly logger = new Logger(ActivityReadService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: ActivityRepository,
    private readonly connections: ConnectionsService,
    private readonly insights: ConnectionInsightsService,
    private readonly jobs: JobQueue,
  ) {}

  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    await this.jobs.enqueue({ name: 'activity', data: { connectionId: e.connectionId, runId: e.runId } });
  }

  /**
   * The job's work, one read per connection at a time across processes (a session advisory lock).
   * Throws a transient failure (429/5xx storms past the client's own retries) before the last attempt,
   * so BullMQ retries; the cursor has not moved, so the retry reads the same events again.
   */
  async runJob(connectionId: string, attempt = 1, maxAttempts = 1): Promise<ActivityReadOutcome | null> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      const [{ ok }] = (await qr.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [
        ACTIVITY_LOCK_NAMESPACE,
        connectionId,
      ])) as { ok: boolean }[];
      if (!ok) throw new ActivityBusyError();
      try {
        if (!(await this.connections.getRow(connectionId))) return null;
        const client = await this.connections.clientFor(connectionId);
        return await this.read(connectionId, client, attempt < maxAttempts);
      } finally {
        await qr
          .query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [ACTIVITY_LOCK_NAMESPACE, connectionId])
          .catch(() => undefined);
      }
    } finally {
      await qr.release();
    }
  }

  private async read(
    connectionId: string,
    client: JumpCloudClient,
    mayRetry: boolean,
  ): Promise<ActivityReadOutcome> {
    const cursor = await this.repo.getCursor(connectionId);
    const through = new Date();
    const oldest = through.getTime() - INSIGHTS_RETENTION_MS;
    const from = new Date(
      cursor === null ? oldest : Math.max(oldest, cursor.read_through.getTime() - ACTIVITY_OVERLAP_MS),
    );
    const latest = new Map<string, SignIn>();
    let events = 0;
    try {
      for (const { service, eventType } of SIGN_IN_EVENTS) {
        for await (const page of client.insightsEvents({
          service: [service],
          startTime: from,
          // A fixed end: the next read starts from it (less the overlap), whatever arrives meanwhile.
          endTime: through,
          searchTerm: { and: { event_type: eventType } },
          fields: [
            'id',
            'timestamp',
            'event_type',
            'initiated_by',
            'application',
            'resource',
            'success',
            'sso_token_success',
          ],
          limit: INSIGHTS_MAX_LIMIT,
        })) {
          events += page.length;
          latestSignIns(latest, page);
        }
      }
    } catch (err) {
      // Nothing of a read that failed part-way is kept: the cursor stays where it was.
      const state = await this.insights.recordFailure(connectionId, err);
      if (state === 'unavailable' && mayRetry && isJumpCloudError(err) && err.transient) throw err;
      const reason = isJumpCloudError(err) ? `${err.code}: ${err.message}` : String(err);
      this.logger.warn({ connectionId, insights: state, reason }, 'sign-in activity not read');
      return { status: 'skipped', insights: state, reason };
    }
    const signIns = [...latest.values()];
    await this.dataSource.transaction((m) =>
      this.repo.saveRead(m, connectionId, signIns, { from, through, events }),
    );
    await this.insights.record(connectionId, 'readable', through);
    this.logger.log(
      { connectionId, events, signIns: signIns.length, from, through },
      'sign-in activity read',
    );
    return { status: 'read', events, signIns: signIns.length, from, through };
  }
}
