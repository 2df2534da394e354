import { type Client } from 'pg';
import { type RunningEmulator, type RequestLogEntry } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { databaseSnapshot, emulatorSnapshot, syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';

/**
 * A whole sync through the app (default JumpCloud limits: 8 in flight, no requests/s cap) while
 * JumpCloud answers 429 with `Retry-After: 1` to a share of calls: it still copies the organisation
 * exactly, each refused call is retried no sooner than announced, and JumpCloud sees fewer requests
 * at once than without the 429s.
 */
describe('a sync under 429s, with the default adaptive limits', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 17, sizes: { users: 1500, groups: 60, membershipsPerUser: 3, admins: 5, apps: 4 } },
      // Enough attempts that a call refused several times in a row still succeeds within one job.
      { env: { JUMPCLOUD_MAX_ATTEMPTS: '12' }, sync: false },
    ));
    // Every JumpCloud answer takes 30–60 ms, so that requests overlap as they do against the real API.
    emu.emulator.addFault({ kind: 'latency', latencyMs: 30, latencyMaxMs: 60 });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  const api = (e: RequestLogEntry) => e.path.startsWith('/api/');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('keeps 8 in flight without 429s, fewer under them, retries as announced, and copies exactly', async () => {
    // Full syncs both: an incremental one would list only what changed.
    const calm = await syncNow(t, connectionId, 'full');
    expect(calm.status).toBe('succeeded');
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));
    const calmInFlight = emu.emulator
      .requests()
      .filter(api)
      .map((e) => e.inFlight ?? 0);
    expect(emu.emulator.stats().concurrency.highWater).toBe(8);

    emu.emulator.clearRequests();
    emu.emulator.churn(30, 5);
    const storm = emu.emulator.addFault({
      kind: 'rate_limit',
      fraction: 0.2,
      retryAfterSeconds: 1,
      path: '^/api/',
    });
    let stormy;
    try {
      stormy = await syncNow(t, connectionId, 'full');
    } finally {
      emu.emulator.removeFault(storm.id);
    }
    expect(stormy.status).toBe('succeeded');
    expect(stormy.stats.added + stormy.stats.removed).toBeGreaterThan(0);
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));

    const log = emu.emulator.requests().filter(api);
    const refused = log.filter((e) => e.status === 429);
    expect(refused.length).toBeGreaterThan(10);
    // Each refused call came again (same path and query) a second or more later, as Retry-After asked.
    for (const r of refused) {
      const again = log.find((e) => e.seq > r.seq && e.path === r.path && e.query === r.query);
      expect(again).toBeDefined();
      expect(again!.at - r.at).toBeGreaterThanOrEqual(990);
    }
    // Fewer at once once the client has seen the 429s (past the first one's window of 8): measured
    // 5.8 on average without them, 2.0 with them.
    const first = log.indexOf(refused[0]);
    const later = log.slice(first + 16).map((e) => e.inFlight ?? 0);
    expect(later.length).toBeGreaterThan(50);
    expect(mean(later)).toBeLessThan(mean(calmInFlight) / 2);
    expect(emu.emulator.stats().concurrency.highWater).toBeLessThanOrEqual(8);
  });
});
