import { Injectable, Logger } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { JobQueue } from '../platform/queue/job-queue';
import { type AppJob } from '../platform/queue/jobs';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import { type GrantRow } from './dto/access.rows';

/** Work to do once a transaction has committed: outbox and notification dispatch, delayed-job changes. */
export interface AfterCommit {
  operationIds: string[];
  notificationIds: string[];
  schedule: GrantRow[];
  unschedule: string[];
  /** Scheduled grants whose delayed start job to set. */
  starts: GrantRow[];
}

export const afterCommit = (unschedule: string[] = []): AfterCommit => ({
  operationIds: [],
  notificationIds: [],
  schedule: [],
  unschedule,
  starts: [],
});

/** A grant's membership change as an outbox operation (sourceType `grant`, deterministic key). */
export function grantIntent(
  g: Pick<GrantRow, 'id' | 'connection_id' | 'account_id' | 'group_id'>,
  action: 'add_member' | 'remove_member',
  reason: string,
  key?: string,
): OperationIntent {
  return {
    connectionId: g.connection_id,
    action,
    accountId: g.account_id,
    groupId: g.group_id,
    reason,
    sourceType: 'grant',
    sourceId: g.id,
    ...(key === undefined ? {} : { key }),
  };
}

/** A grant's delayed expiry job (the catalogue's `expire`: id `grant-expiry.<grantId>`). */
const expiryJob = (grantId: string): AppJob => ({ name: 'expire', data: { grantId } });

/**
 * The side effects of grant changes: operations written into the outbox inside the caller's
 * transaction, dispatched after it commits, and each grant's delayed expiry job moved to match.
 */
@Injectable()
export class GrantEffects {
  private readonly logger = new Logger(GrantEffects.name);

  constructor(
    private readonly provisioning: ProvisioningService,
    private readonly jobs: JobQueue,
    private readonly notifications: NotificationsService,
  ) {}

  /** Writes the operations in the caller's transaction and remembers them for dispatch; returns their ids. */
  async enqueue(m: EntityManager, after: AfterCommit, intents: OperationIntent[]): Promise<string[]> {
    const ids = await this.provisioning.enqueue(m, intents);
    after.operationIds.push(...ids);
    return ids;
  }

  async afterCommit(after: AfterCommit): Promise<void> {
    await this.provisioning.dispatch(after.operationIds);
    await this.notifications.dispatch(after.notificationIds);
    // Concurrently: ioredis pipelines the commands, so hundreds of grants cost a few round trips.
    await Promise.all(after.unschedule.map((id) => this.unschedule(id)));
    await Promise.all(after.schedule.map((g) => this.scheduleExpiry(g)));
    await Promise.all(after.starts.map((g) => this.scheduleStart(g)));
  }

  /** A scheduled grant's delayed start job; the cluster tick starts it anyway if Redis loses the job. */
  private async scheduleStart(g: GrantRow): Promise<void> {
    if (!g.scheduled_for) return;
    const delayMs = Math.max(0, g.scheduled_for.getTime() - Date.now());
    await this.jobs.enqueue({ name: 'start', data: { grantId: g.id } }, { delayMs });
  }

  /**
   * One delayed job per grant at its expiry; an extension moves it. A job Redis refused is logged by
   * JobQueue and left to the sweep, which revokes any active grant past expiry.
   */
  private async scheduleExpiry(g: GrantRow): Promise<void> {
    if (!g.expires_at) return;
    await this.unschedule(g.id);
    await this.jobs.enqueue(expiryJob(g.id), { delayMs: Math.max(0, g.expires_at.getTime() - Date.now()) });
  }

  private async unschedule(grantId: string): Promise<void> {
    try {
      await this.jobs.remove(expiryJob(grantId));
    } catch (err) {
      this.logger.warn({ err, grantId }, 'expiry job not removed; it will find nothing to do');
    }
  }
}
