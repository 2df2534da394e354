import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { type JobData } from '../../platform/queue/jobs';
import { QUEUES } from '../../platform/queue/queues';
import { GrantExpiryService } from '../grant-expiry.service';
import { GrantStartService } from '../grant-start.service';

/**
 * A grant's delayed jobs: its expiry (revoke it if it is still active and due: an extension may have
 * moved it) and a scheduled grant's start.
 */
@Processor(QUEUES.grantExpiry, { concurrency: 8, lockDuration: 10_000, stalledInterval: 5_000 })
export class GrantExpiryProcessor extends WorkerHost {
  constructor(
    private readonly expiry: GrantExpiryService,
    private readonly starts: GrantStartService,
  ) {
    super();
  }

  async process(job: Job<JobData<'expire' | 'start'>>): Promise<void> {
    if (job.name === 'start') await this.starts.startByJob(job.data.grantId);
    else await this.expiry.expireByJob(job.data.grantId);
  }
}
