import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { QUEUES } from '../../platform/queue/queues';
import { type JobData, jobAttempts } from '../../platform/queue/jobs';
import { OperationApplyService } from '../operation-apply.service';

// A short lock, so a job whose worker was killed is handed to another worker within seconds. Jobs
// hold no connection of their own (OperationLocks), and the JumpCloud client's per-connection limits
// bound the calls in flight, so more jobs at once only fill the settling transactions better. 64:
// 10,000 expiries arriving over 14-16 s (bench:expiry) started p99 3.3 s late at 16, 2.2 s at 32, 1.9 s at 64.
@Processor(QUEUES.provisioning, { concurrency: 256, lockDuration: 10_000, stalledInterval: 5_000 })
export class ProvisioningProcessor extends WorkerHost {
  constructor(private readonly provisioning: OperationApplyService) {
    super();
  }

  async process(job: Job<JobData<'apply'>>): Promise<void> {
    await this.provisioning.apply(
      job.data.operationId,
      job.attemptsMade + 1,
      job.opts.attempts ?? jobAttempts('apply'),
    );
  }
}
