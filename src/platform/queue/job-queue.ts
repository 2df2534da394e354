import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type Job, type Queue } from 'bullmq';
import { type AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { type AppJob, jobId, jobOptions, jobQueue } from './jobs';
import { QUEUES, type QueueName } from './queues';

/**
 * The one way to put jobs on a queue (inject `JobQueue`, call `enqueue`): ids and options come from
 * the job catalogue (jobs.ts). Postgres holds the work a job stands for, so a Redis failure is logged
 * and left to the domain's relay (a cluster tick that re-enqueues what Redis does not hold).
 */
@Injectable()
export class JobQueue {
  private readonly logger = new Logger(JobQueue.name);
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QUEUES.directorySync) directorySync: Queue,
    @InjectQueue(QUEUES.provisioning) provisioning: Queue,
    @InjectQueue(QUEUES.grantExpiry) grantExpiry: Queue,
    @InjectQueue(QUEUES.campaigns) campaigns: Queue,
    @InjectQueue(QUEUES.notifications) notifications: Queue,
    @InjectQueue(QUEUES.directoryActivity) directoryActivity: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.queues = {
      [QUEUES.directorySync]: directorySync,
      [QUEUES.provisioning]: provisioning,
      [QUEUES.grantExpiry]: grantExpiry,
      [QUEUES.campaigns]: campaigns,
      [QUEUES.notifications]: notifications,
      [QUEUES.directoryActivity]: directoryActivity,
    };
  }

  /**
   * Adds jobs (several of one queue in one round trip); false when Redis refused them, which the
   * caller's relay covers. `delayMs` delays every job given (e.g. a grant's expiry).
   */
  async enqueue(jobs: AppJob | AppJob[], opts: { delayMs?: number } = {}): Promise<boolean> {
    const list = Array.isArray(jobs) ? jobs : [jobs];
    if (list.length === 0) return true;
    try {
      const byQueue = new Map<QueueName, AppJob[]>();
      for (const j of list) {
        const q = jobQueue(j.name);
        byQueue.set(q, [...(byQueue.get(q) ?? []), j]);
      }
      for (const [q, js] of byQueue) {
        const queue = this.queues[q];
        if (js.length === 1) {
          await queue.add(js[0].name, js[0].data, jobOptions(js[0], this.config, opts.delayMs));
        } else {
          await queue.addBulk(
            js.map((j) => ({ name: j.name, data: j.data, opts: jobOptions(j, this.config, opts.delayMs) })),
          );
        }
      }
      return true;
    } catch (err) {
      this.logger.warn(
        { err, job: list[0].name, count: list.length, jobId: jobId(list[0]) },
        'job not enqueued yet (Redis); the relay will',
      );
      return false;
    }
  }

  /** The waiting, delayed or running job of this name and subject, if Redis holds one. */
  async find(job: AppJob): Promise<Job | undefined> {
    return this.queues[jobQueue(job.name)].getJob(jobId(job));
  }

  /** Takes a job off its queue if it is there (e.g. a grant's expiry moved); Redis errors propagate. */
  async remove(job: AppJob): Promise<void> {
    const found = await this.find(job);
    if (found) await found.remove();
  }
}
