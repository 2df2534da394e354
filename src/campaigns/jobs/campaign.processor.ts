import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { QUEUES } from '../../platform/queue/queues';
import { type CampaignJob, type CampaignJobData, CampaignsService } from '../campaigns.service';

/** Launch or close of one campaign; the service does the set-wise work. */
@Processor(QUEUES.campaigns, { concurrency: 2, lockDuration: 60_000 })
export class CampaignProcessor extends WorkerHost {
  constructor(private readonly campaigns: CampaignsService) {
    super();
  }

  async process(job: Job<CampaignJobData>): Promise<void> {
    const name = job.name as CampaignJob['name'];
    switch (name) {
      case 'launch':
        return this.campaigns.runLaunch(job.data.campaignId, job.data.requestedBy);
      case 'close':
        return this.campaigns.runClose(job.data.campaignId, job.data.requestedBy);
    }
  }
}
