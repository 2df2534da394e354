import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { ConnectionInsightsService } from '../../connections/connection-insights.service';
import { ConnectionsService } from '../../connections/connections.service';
import { JobQueue } from '../../platform/queue/job-queue';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory.events';

// One constant per advisory lock jumpgate takes (see platform/database/migrate.ts).
const ACTIVITY_LOCK_NAMESPACE = 727_100_041;

/** Another read of the same connection holds the lock: BullMQ retries this one later. */
export class ActivityBusyError extends Error {
  constructor() {
    super('another activity read of this connection is running');
  }
}

/**
 * The Directory Insights read that follows each successful sync, as a job of its own so it never
 * delays the sync's merge: it records whether the connection's insights are readable.
 */
@Injectable()
export class ActivityReadService {
  private readonly logger = new Logger(ActivityReadService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionsService,
    private readonly insights: ConnectionInsightsService,
    private readonly jobs: JobQueue,
  ) {}

  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    await this.jobs.enqueue({ name: 'activity', data: { connectionId: e.connectionId, runId: e.runId } });
  }

  /** The job's work: one read per connection at a time, across processes (a session advisory lock). */
  async runJob(connectionId: string): Promise<void> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      const [{ ok }] = (await qr.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [
        ACTIVITY_LOCK_NAMESPACE,
        connectionId,
      ])) as { ok: boolean }[];
      if (!ok) throw new ActivityBusyError();
      try {
        if (!(await this.connections.getRow(connectionId))) return;
        const client = await this.connections.clientFor(connectionId);
        const state = await this.insights.refresh(connectionId, client);
        this.logger.debug({ connectionId, insights: state }, 'directory insights checked after sync');
      } finally {
        await qr
          .query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [ACTIVITY_LOCK_NAMESPACE, connectionId])
          .catch(() => undefined);
      }
    } finally {
      await qr.release();
    }
  }
}
