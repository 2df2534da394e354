import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { type JobData } from '../../platform/queue/jobs';
import { QUEUES } from '../../platform/queue/queues';
import { GrantExpiryService } from '../grant-expiry.service';

/** A grant's delayed expiry job: revoke it if it is still active and due (an extension may have moved it). */
@Processor(QUEUES.grantExpiry, { concurrency: 8, lockDuration: 10_000, stalledInterval: 5_000 })
export class GrantExpiryProcessor extends WorkerHost {
  constructor(private readonly expiry: GrantExpiryService) {
    super();
  }

  async process(job: Job<JobData<'expire'>>): Promise<void> {
    await this.expiry.expireByJob(job.data.grantId);
  }
}
