import { Logger } from '@nestjs/common';
import { type Queue } from 'bullmq';
import { type AppConfig } from '../../config/app-config';
import { JobQueue } from './job-queue';

type Call = {
  queue: string;
  method: 'add' | 'addBulk';
  jobs: { name: string; data: unknown; opts: unknown }[];
};

function fakeQueues(fail = false): { queues: Queue[]; calls: Call[] } {
  const calls: Call[] = [];
  const queues = [
    'directory-sync',
    'provisioning',
    'grant-expiry',
    'campaigns',
    'notifications',
    'directory-activity',
  ].map(
    (queue) =>
      ({
        add: (name: string, data: unknown, opts: unknown) => {
          if (fail) return Promise.reject(new Error('ECONNREFUSED'));
          calls.push({ queue, method: 'add', jobs: [{ name, data, opts }] });
          return Promise.resolve({});
        },
        addBulk: (jobs: Call['jobs']) => {
          if (fail) return Promise.reject(new Error('ECONNREFUSED'));
          calls.push({ queue, method: 'addBulk', jobs });
          return Promise.resolve([]);
        },
      }) as unknown as Queue,
  );
  return { queues, calls };
}

const config = { syncRetryBaseMs: 5000 } as AppConfig;
const make = (queues: Queue[]) =>
  new JobQueue(queues[0], queues[1], queues[2], queues[3], queues[4], queues[5], config);

describe('JobQueue', () => {
  it('sends each job to its queue with the id and options its name declares', async () => {
    const { queues, calls } = fakeQueues();
    const ok = await make(queues).enqueue([
      { name: 'apply', data: { operationId: 'o1' } },
      { name: 'apply', data: { operationId: 'o2' } },
      { name: 'launch', data: { campaignId: 'c1', requestedBy: null } },
    ]);
    expect(ok).toBe(true);
    expect(calls.map((c) => [c.queue, c.method, c.jobs.length])).toEqual([
      ['provisioning', 'addBulk', 2],
      ['campaigns', 'add', 1],
    ]);
    expect(calls[0].jobs[0].opts).toEqual({
      jobId: 'op.o1',
      attempts: 8,
      backoff: { type: 'exponential', delay: 5000, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
    expect(calls[1].jobs[0].opts).toMatchObject({
      jobId: 'campaign-launch.c1',
      attempts: 3,
      removeOnFail: true,
    });
  });

  it('delays a job when asked (a grant expiry)', async () => {
    const { queues, calls } = fakeQueues();
    await make(queues).enqueue({ name: 'expire', data: { grantId: 'g1' } }, { delayMs: 60_000 });
    expect(calls[0]).toMatchObject({
      queue: 'grant-expiry',
      jobs: [{ opts: { jobId: 'grant-expiry.g1', delay: 60_000 } }],
    });
  });

  it('leaves a Redis failure to the relay: false, never a throw', async () => {
    const { queues } = fakeQueues(true);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(make(queues).enqueue({ name: 'sync', data: { runId: 'r1' } })).resolves.toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});
