import { type JobsOptions } from 'bullmq';
import { type AppConfig } from '../../config/app-config';
import { QUEUES, type QueueName } from './queues';

/**
 * Every job of every queue, as `{ name, data }`. Payloads carry ids, never entities. Job names are
 * unique across queues, so a name alone picks the queue, the job id and the options (JOBS below).
 */
export type AppJob =
  | { name: 'sync'; data: { runId: string } }
  | { name: 'apply'; data: { operationId: string } }
  | { name: 'expire'; data: { grantId: string } }
  | { name: 'start'; data: { grantId: string } }
  | { name: 'launch'; data: { campaignId: string; requestedBy: string | null } }
  | { name: 'close'; data: { campaignId: string; requestedBy: string | null } }
  | { name: 'notify'; data: { notificationId: string } }
  | { name: 'activity'; data: { connectionId: string; runId: string } };

export type JobName = AppJob['name'];
export type JobData<N extends JobName> = Extract<AppJob, { name: N }>['data'];

/** What job options may depend on: retry delays are configurable for tests and operators. */
export type JobConfig = Pick<AppConfig, 'syncRetryBaseMs'>;

export interface JobSpec<N extends JobName> {
  queue: QueueName;
  /** BullMQ's job id: the same subject twice is one job while it waits (`.`/`-` only, never `:`). */
  id: (data: JobData<N>) => string;
  /** Attempts before BullMQ gives up; a processor passes it on so the last attempt can settle for good. */
  attempts: number;
  /** Backoff and retention; completed jobs are removed so an id can recur. */
  options: (config: JobConfig) => Omit<JobsOptions, 'jobId' | 'attempts' | 'delay'>;
}

// A campaign's launch or close: a failed job must not block its id, the tick enqueues the campaign again.
const campaignJobOptions = () =>
  ({ backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true }) as const;

/** Each job name's queue, id, retries, backoff and retention, declared once. */
export const JOBS: { readonly [N in JobName]: JobSpec<N> } = {
  sync: {
    queue: QUEUES.directorySync,
    id: (d) => `sync.${d.runId}`,
    attempts: 4,
    options: (c) => ({
      backoff: { type: 'exponential', delay: c.syncRetryBaseMs },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
  apply: {
    queue: QUEUES.provisioning,
    id: (d) => `op.${d.operationId}`,
    attempts: 8,
    options: (c) => ({
      backoff: { type: 'exponential', delay: c.syncRetryBaseMs, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
  expire: {
    queue: QUEUES.grantExpiry,
    id: (d) => `grant-expiry.${d.grantId}`,
    attempts: 5,
    options: () => ({
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
  // A scheduled grant's start, on the grant-expiry queue (its worker already runs wherever grants end).
  start: {
    queue: QUEUES.grantExpiry,
    id: (d) => `grant-start.${d.grantId}`,
    attempts: 5,
    options: () => ({
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
  launch: {
    queue: QUEUES.campaigns,
    id: (d) => `campaign-launch.${d.campaignId}`,
    attempts: 3,
    options: campaignJobOptions,
  },
  close: {
    queue: QUEUES.campaigns,
    id: (d) => `campaign-close.${d.campaignId}`,
    attempts: 3,
    options: campaignJobOptions,
  },
  // The job id is the notification's: one job per row while it waits. The row's own attempts count
  // (which a Redis flush cannot reset) bounds the sends; this is BullMQ's share of them.
  notify: {
    queue: QUEUES.notifications,
    id: (d) => `notification.${d.notificationId}`,
    attempts: 8,
    options: (c) => ({
      backoff: { type: 'exponential', delay: c.syncRetryBaseMs, jitter: 0.3 },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
  // The Directory Insights read after a sync (sign-in activity): one per sync run; a run's read that
  // finds another of the same connection running waits for it by retrying.
  activity: {
    queue: QUEUES.directoryActivity,
    id: (d) => `activity.${d.runId}`,
    attempts: 6,
    options: (c) => ({
      backoff: { type: 'exponential', delay: c.syncRetryBaseMs },
      removeOnComplete: true,
      removeOnFail: 1000,
    }),
  },
};

// One job name's spec typed for any job of the union (JOBS[name] alone is a union of specs).
function spec<N extends JobName>(name: N): JobSpec<N> {
  return JOBS[name];
}

/** The job id of a job (e.g. to find or remove a waiting one). */
export function jobId(job: AppJob): string {
  return spec(job.name).id(job.data);
}

/** The queue a job goes to. */
export function jobQueue(name: JobName): QueueName {
  return JOBS[name].queue;
}

/** Attempts declared for a job name (a processor's fallback when the job carries none). */
export function jobAttempts(name: JobName): number {
  return JOBS[name].attempts;
}

/** The full BullMQ options of one job: its id, attempts, backoff, retention and an optional delay. */
export function jobOptions(job: AppJob, config: JobConfig, delayMs?: number): JobsOptions {
  const s = spec(job.name);
  return {
    jobId: jobId(job),
    ...(delayMs === undefined ? {} : { delay: delayMs }),
    attempts: s.attempts,
    ...s.options(config),
  };
}
