import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job } from 'bullmq';
import { type JobData } from '../../platform/queue/jobs';
import { QUEUES } from '../../platform/queue/queues';
import { NotificationDeliveryService } from '../notification-delivery.service';

// Sends wait on SMTP, Slack or a webhook receiver, not on this process: many at once. A short lock
// hands a killed worker's job to another within seconds; the row's claim keeps it from a second send.
@Processor(QUEUES.notifications, { concurrency: 32, lockDuration: 30_000, stalledInterval: 10_000 })
export class NotificationsProcessor extends WorkerHost {
  constructor(private readonly delivery: NotificationDeliveryService) {
    super();
  }

  async process(job: Job<JobData<'notify'>>): Promise<void> {
    await this.delivery.deliver(job.data.notificationId);
  }
}
