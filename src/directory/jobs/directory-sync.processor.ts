import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { QUEUES } from '../../platform/queue/queues';
import { DirectorySyncRunService } from '../directory-sync-run.service';
import { type JobData, jobAttempts } from '../../platform/queue/jobs';

/** Thin: unpack the run id, let the service work. Two runs of different connections may overlap. */
@Processor(QUEUES.directorySync, { concurrency: 2 })
export class DirectorySyncProcessor extends WorkerHost {
  constructor(private readonly syncs: DirectorySyncRunService) {
    super();
  }

  async process(job: Job<JobData<'sync'>>): Promise<void> {
    await this.syncs.runJob(job.data.runId, job.attemptsMade + 1, job.opts.attempts ?? jobAttempts('sync'));
  }
}
