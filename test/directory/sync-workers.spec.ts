import { getQueueToken } from '@nestjs/bullmq';
import { type Queue } from 'bullmq';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { QUEUES } from '../../src/platform/queue/queues';
import { type TestApp } from '../helpers/app';
import { createConnection, waitForRun } from '../helpers/jumpcloud';
import { startEmulatedApp, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import { startWorker, type WorkerProcess } from '../helpers/workers';

/** Two real worker processes on one queue never sync one connection at the same time. */
describe('directory sync with two worker processes', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // This process serves HTTP only; the syncs run in the two children.
    ({ emu, t, db } = await startEmulatedApp(
      { seed: 41, sizes: { users: 120, groups: 12, membershipsPerUser: 2, admins: 3, apps: 2 } },
      { APP_ROLE: 'api' },
    ));
    for (let i = 0; i < 2; i++) workers.push(await startWorker(t, emu));
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('lets only one of two deliveries of a run list the organisation', async () => {
    const conn = await createConnection(t, emu);
    // Slow JumpCloud down so that both deliveries are in flight together.
    emu.emulator.addFault({ kind: 'latency', latencyMs: 40, fraction: 1 });
    emu.emulator.clearRequests();
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.directorySync));
    await queue.pause();
    const triggered = await t.request('POST', `/api/v1/connections/${conn.id}/syncs`, {
      token: BOOTSTRAP_TOKEN,
    });
    // A second delivery of the same run, as a stalled-job redelivery would make.
    await queue.add('sync', { runId: triggered.body.id }, { jobId: `dup.${triggered.body.id as string}` });
    await queue.resume();
    const run = await waitForRun(t, triggered.body.id);
    emu.emulator.clearFaults();
    expect({ status: run.status, error: run.error }).toEqual({ status: 'succeeded', error: null });

    // Wait until the duplicate delivery is done too.
    const deadline = Date.now() + 30_000;
    while (
      (await queue.getJobCounts('waiting', 'active', 'delayed')).active +
        (await queue.getJobCounts('waiting', 'delayed')).waiting +
        (await queue.getJobCounts('delayed')).delayed >
      0
    ) {
      if (Date.now() > deadline) throw new Error('duplicate delivery never finished');
      await new Promise((r) => setTimeout(r, 100));
    }
    const byRoute = emu.emulator.stats().requestsByRoute;
    const memberListings = Object.entries(byRoute)
      .filter(([route]) => route.endsWith('/members'))
      .reduce((n, [, c]) => n + c, 0);
    // Each group's members fit one page: one request per group means one listing, not two.
    expect(memberListings).toBe(12);
    const memberships = await db.query(`SELECT count(*)::int AS n FROM directory_memberships`);
    expect(run.stats.memberships).toBe(memberships.rows[0].n);
    // The first sync is the connection's baseline: its memberships get no history rows (nothing changed).
    const history = await db.query(`SELECT count(*)::int AS n FROM directory_membership_history`);
    expect(history.rows[0].n).toBe(0);
  });
});
