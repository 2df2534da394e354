import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { ActivityReadService } from '../activity/activity-read.service';
import { type JobData, jobAttempts } from '../../platform/queue/jobs';
import { QUEUES } from '../../platform/queue/queues';

/** Thin: unpack the connection id, let the service read. Reads of different connections may overlap. */
@Processor(QUEUES.directoryActivity, { concurrency: 2, lockDuration: 60_000 })
export class DirectoryActivityProcessor extends WorkerHost {
  constructor(private readonly activity: ActivityReadService) {
    super();
  }

  async process(job: Job<JobData<'activity'>>): Promise<void> {
    await this.activity.runJob(
      job.data.connectionId,
      job.attemptsMade + 1,
      job.opts.attempts ?? jobAttempts('activity'),
    );
  }
}
