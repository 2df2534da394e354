import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { type Queue } from 'bullmq';
import { type EntityManager } from 'typeorm';
import { QUEUES } from '../platform/queue/queues';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import { type GrantRow } from './dto/access.rows';
import { GRANT_EXPIRY_JOB_NAME, type GrantExpiryJobData, grantExpiryJobId } from './jobs/grant-expiry.job';

/** Work to do once a transaction has committed: outbox dispatch and delayed-job changes. */
export interface AfterCommit {
  operationIds: string[];
  schedule: GrantRow[];
  unschedule: string[];
}

export const afterCommit = (unschedule: string[] = []): AfterCommit => ({
  operationIds: [],
  schedule: [],
  unschedule,
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

/**
 * The side effects of grant changes: operations written into the outbox inside the caller's
 * transaction, dispatched after it commits, and each grant's delayed expiry job moved to match.
 */
@Injectable()
export class GrantEffects {
  private readonly logger = new Logger(GrantEffects.name);

  constructor(
    private readonly provisioning: ProvisioningService,
    @InjectQueue(QUEUES.grantExpiry) private readonly queue: Queue<GrantExpiryJobData>,
  ) {}

  /** Writes the operations in the caller's transaction and remembers them for dispatch; returns their ids. */
  async enqueue(m: EntityManager, after: AfterCommit, intents: OperationIntent[]): Promise<string[]> {
    const ids = await this.provisioning.enqueue(m, intents);
    after.operationIds.push(...ids);
    return ids;
  }

  async afterCommit(after: AfterCommit): Promise<void> {
    await this.provisioning.dispatch(after.operationIds);
    // Concurrently: ioredis pipelines the commands, so hundreds of grants cost a few round trips.
    await Promise.all(after.unschedule.map((id) => this.unschedule(id)));
    await Promise.all(after.schedule.map((g) => this.scheduleExpiry(g)));
  }

  /** One delayed job per grant at its expiry; an extension moves it. The sweep covers any loss. */
  private async scheduleExpiry(g: GrantRow): Promise<void> {
    if (!g.expires_at) return;
    try {
      await this.unschedule(g.id);
      await this.queue.add(
        GRANT_EXPIRY_JOB_NAME,
        { grantId: g.id },
        {
          jobId: grantExpiryJobId(g.id),
          delay: Math.max(0, g.expires_at.getTime() - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      );
    } catch (err) {
      this.logger.warn({ err, grantId: g.id }, 'expiry job not scheduled (Redis); the sweep will revoke it');
    }
  }

  private async unschedule(grantId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(grantExpiryJobId(grantId));
      if (job) await job.remove();
    } catch (err) {
      this.logger.warn({ err, grantId }, 'expiry job not removed; it will find nothing to do');
    }
  }
}
