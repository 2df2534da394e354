import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { type JobData } from '../../platform/queue/jobs';
import { QUEUES } from '../../platform/queue/queues';
import { CampaignCloseService } from '../campaign-close.service';
import { CampaignLaunchService } from '../campaign-launch.service';

/** Launch or close of one campaign; the services do the set-wise work. */
@Processor(QUEUES.campaigns, { concurrency: 2, lockDuration: 60_000 })
export class CampaignProcessor extends WorkerHost {
  constructor(
    private readonly launches: CampaignLaunchService,
    private readonly closes: CampaignCloseService,
  ) {
    super();
  }

  async process(job: Job<JobData<'launch' | 'close'>>): Promise<void> {
    const name = job.name as 'launch' | 'close';
    switch (name) {
      case 'launch':
        return this.launches.runLaunch(job.data.campaignId, job.data.requestedBy);
      case 'close':
        return this.closes.runClose(job.data.campaignId, job.data.requestedBy);
    }
  }
}
