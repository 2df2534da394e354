import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { enqueueOps, waitForOps } from '../helpers/provisioning';
import { startWorker, type WorkerProcess } from '../helpers/workers';

/** Operations applied by real worker processes: two on one queue, and one killed mid-operation. */
describe('provisioning with worker processes', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  const workers: WorkerProcess[] = [];

  async function outsiders(
    count: number,
  ): Promise<{ groupId: string; accountId: string; groupExt: string; userExt: string }[]> {
    const rows = await db.query(
      `SELECT g.id AS "groupId", a.id AS "accountId", g.external_id AS "groupExt", a.external_id AS "userExt"
       FROM directory_groups g CROSS JOIN directory_accounts a
       WHERE g.connection_id = $1 AND a.connection_id = $1 AND a.kind = 'user' AND g.membership_method <> 'DYNAMIC_AUTOMATED'
         AND NOT EXISTS (SELECT 1 FROM directory_memberships m WHERE m.group_id = g.id AND m.account_id = a.id AND m.removed_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM provisioning_operations o WHERE o.group_id = g.id AND o.account_id = a.id)
       ORDER BY g.external_id, a.external_id LIMIT $2`,
      [connectionId, count],
    );
    return rows.rows;
  }

  beforeAll(async () => {
    // This process serves HTTP and enqueues; only the children apply operations (and sync, once started).
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 61, sizes: { users: 50, groups: 8, membershipsPerUser: 2, admins: 2, apps: 1 } },
      { env: { APP_ROLE: 'api' }, sync: false },
    ));
    workers.push(await startWorker(t, emu));
    await syncNow(t, connectionId);
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('applies every operation once with two workers on one queue, one JumpCloud call each', async () => {
    workers.push(await startWorker(t, emu));
    const targets = await outsiders(20);
    const before = emu.emulator.stats().membership;
    const ids = await enqueueOps(
      t,
      targets.map((x) => ({
        connectionId,
        action: 'add_member' as const,
        accountId: x.accountId,
        groupId: x.groupId,
      })),
    );
    const ops = await waitForOps(t, ids);
    expect(ops.every((o) => o.status === 'succeeded' && o.attempts === 1)).toBe(true);
    const after = emu.emulator.stats().membership;
    expect({ calls: after.calls - before.calls, added: after.added - before.added }).toEqual({
      calls: 20,
      added: 20,
    });
  });

  it('finishes an operation whose worker was killed with SIGKILL mid-call, changing JumpCloud once', async () => {
    const [target] = await outsiders(1);
    // JumpCloud answers slowly, so the kill lands while the call is in flight.
    emu.emulator.addFault({ kind: 'latency', latencyMs: 1500, path: '/members$', method: 'POST', count: 1 });
    const before = emu.emulator.stats().membership;
    const [id] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: target.accountId, groupId: target.groupId },
    ]);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await db.query(`SELECT status FROM provisioning_operations WHERE id = $1`, [id]);
      if (rows[0].status === 'running') break;
      if (Date.now() > deadline) throw new Error('operation never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Kill whichever worker holds it; the other (or a new one) must take it over.
    for (const w of workers.splice(0)) await w.kill('SIGKILL');
    workers.push(await startWorker(t, emu));
    const [op] = await waitForOps(t, [id], 90_000);
    expect(op.status).toBe('succeeded');
    const after = emu.emulator.stats().membership;
    expect(after.added - before.added).toBe(1);
    const s = emu.emulator.store;
    const g = s.groups[s.groupSlotById.get(target.groupExt)!];
    expect(Array.from(g.members.subarray(0, g.size))).toContain(s.userSlotById.get(target.userExt));
  });
});
