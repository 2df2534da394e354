import { Client } from 'pg';
import { startApp, type TestApp } from '../helpers/app';
import {
  CLUSTER_TICK_LOCK_KEY,
  ClusterTickService,
} from '../../src/platform/scheduling/cluster-tick.service';

jest.setTimeout(60_000);

/**
 * Two application instances on one database stand in for two replicas. APP_ROLE=api keeps the
 * @nestjs/schedule interval off, so the only ticks are the ones this test makes.
 */
describe('ClusterTickService across two processes on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let tickA: ClusterTickService;
  let tickB: ClusterTickService;
  const name = `test-task-${Date.now()}`;
  let runs = 0;
  let periodMs = 3_600_000;
  let gate: Promise<void> | null = null;
  let entered: (() => void) | null = null;

  const task = {
    name,
    periodMs: () => periodMs,
    run: async () => {
      runs++;
      entered?.();
      if (gate) await gate;
    },
  };

  beforeAll(async () => {
    a = await startApp({ APP_ROLE: 'api' });
    b = await startApp({ APP_ROLE: 'api', REDIS_URL: a.redisUrl }, { databaseUrl: a.databaseUrl });
    tickA = a.app.get(ClusterTickService);
    tickB = b.app.get(ClusterTickService);
    // Each process registers its own copy of the task, as every replica would.
    tickA.register(task);
    tickB.register(task);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs a due task once per period however many ticks race for it', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? tickA : tickB).tick()),
    );
    expect(runs).toBe(1);
    expect(results.flat().filter((n) => n === name)).toHaveLength(1);
  });

  it('skips the task while its period has not elapsed', async () => {
    const results = await Promise.all([tickA.tick(), tickB.tick(), tickA.tick(), tickB.tick()]);
    expect(results.flat()).not.toContain(name);
    expect(runs).toBe(1);
  });

  it('holds the lock while a task runs and releases it afterwards', async () => {
    periodMs = 1;
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const inside = new Promise<void>((r) => (entered = r));
    // Let more than the 1 ms period pass since the first run.
    await new Promise((r) => setTimeout(r, 20));
    const first = tickA.tick();
    await inside;
    // B cannot take the lock while A runs the task, even when forced to ignore periods.
    expect(await tickB.tick({ force: true })).toEqual([]);
    expect(runs).toBe(2);
    open();
    expect(await first).toContain(name);
    gate = null;
    entered = null;

    const admin = new Client({ connectionString: a.databaseUrl });
    await admin.connect();
    try {
      const held = await admin.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
        [CLUSTER_TICK_LOCK_KEY],
      );
      expect(held.rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(await tickB.tick()).toContain(name);
    expect(runs).toBe(3);
  });
});
