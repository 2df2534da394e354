import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { findGrant, putRequestablePolicy, waitForGrant } from '../helpers/grants';
import { JitPicker } from '../helpers/jit';
import { syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startWorker, type WorkerProcess } from '../helpers/workers';

/**
 * Scheduled starts (API.md "Just-in-time additions") with a real worker process: a grant starts on
 * time after the worker restarted and Redis lost its delayed job, and one whose requester lost
 * eligibility ends `not_eligible` without any JumpCloud call.
 */
describe('just-in-time scheduled starts', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let owner: TestPrincipal;
  let pick: JitPicker;
  let worker: WorkerProcess | undefined;
  const WORKER_ENV = { EXPIRY_SWEEP_SECONDS: '1' };

  const putPolicy = (groupId: string, fields: Record<string, unknown> = {}) =>
    putRequestablePolicy(t, admin.token, groupId, [owner.id], fields);

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 141, sizes: { users: 80, groups: 8, membershipsPerUser: 1, admins: 1, apps: 1 } },
      { env: { APP_ROLE: 'api' }, sync: false },
    ));
    worker = await startWorker(t, emu, WORKER_ENV);
    await syncNow(t, connectionId);
    admin = await createPrincipal(t, { roles: ['admin'] });
    owner = await createPrincipal(t);
    pick = new JitPicker(db, connectionId);
  });

  afterAll(async () => {
    await worker?.kill();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('refuses startsAt more than 30 days ahead (400 starts_too_late) and makes nothing', async () => {
    const groupId = await pick.group();
    expect((await putPolicy(groupId)).status).toBe(200);
    const { user } = await pick.person(groupId, 'any');
    const who = await createPrincipal(t, { email: user.email });
    for (const [startsAt, status, code] of [
      [new Date(Date.now() + 31 * 86_400_000).toISOString(), 400, 'starts_too_late'],
      ['tomorrow', 400, undefined],
    ] as const) {
      const res = await t.request('POST', '/api/v1/access-requests', {
        token: who.token,
        body: { groupId, startsAt },
      });
      expect([res.status, res.body.code]).toEqual([status, code ?? res.body.code]);
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM access_requests WHERE group_id = $1`, [
      groupId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('a scheduled grant reads scheduled, then starts on time after a worker restart and a Redis flush', async () => {
    const groupId = await pick.group();
    expect((await putPolicy(groupId)).status).toBe(200);
    const { user } = await pick.person(groupId, 'any');
    const who = await createPrincipal(t, { email: user.email });
    // An hour ahead, so the request and its approval are surely made before it however slow the machine;
    // the start is then brought forward in Postgres, as time passing would (the server has no other clock).
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: who.token,
      body: { groupId, durationMinutes: 30, startsAt },
    });
    expect(req.status).toBe(201);
    expect(req.body.startsAt).toBe(startsAt);
    const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: owner.token,
      body: {},
    });
    expect(ok.status).toBe(200);
    const scheduled = await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'scheduled');
    expect(scheduled.startsAt).toBe(startsAt);
    const calls = emu.emulator.stats().membership.calls;

    // The worker goes down and Redis loses the delayed job; meanwhile the start comes due.
    await worker!.kill('SIGKILL');
    await flushTestRedis(t.redisUrl);
    const { rows } = await db.query<{ due: Date }>(
      `UPDATE access_grants SET scheduled_for = now() - interval '1 second' WHERE id = $1 RETURNING scheduled_for AS due`,
      [ok.body.grantId],
    );
    // Nothing but a worker starts it: the API process alone leaves it scheduled, and JumpCloud untouched.
    expect((await findGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId)).status).toBe('scheduled');
    expect(emu.emulator.stats().membership.calls).toBe(calls);
    // A new worker's tick starts it (Redis holds no job for it any more).
    worker = await startWorker(t, emu, WORKER_ENV);
    const active = await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'active');
    expect(Date.parse(active.startsAt!)).toBeGreaterThanOrEqual(rows[0].due.getTime());
    // The clock starts when JumpCloud confirmed the membership.
    expect(Date.parse(active.expiresAt!) - Date.parse(active.startsAt!)).toBe(30 * 60_000);
    // One membership write (the read before it is not counted as one).
    expect(emu.emulator.stats().membership.calls - calls).toBe(1);
  }, 120_000);

  it('a requester who lost eligibility before the start: not_eligible, and JumpCloud saw no write', async () => {
    const groupId = await pick.group();
    const { rows } = await db.query(
      `SELECT m.group_id, a.id AS account_id, a.external_id, a.email, g.external_id AS gext
       FROM directory_memberships m JOIN directory_accounts a ON a.id = m.account_id
       JOIN directory_groups g ON g.id = m.group_id AND g.membership_method <> 'DYNAMIC_AUTOMATED'
       WHERE a.connection_id = $1 AND m.removed_at IS NULL AND m.group_id <> $2 AND a.state = 'ACTIVATED'
         AND a.kind = 'user' AND NOT EXISTS (SELECT 1 FROM principals p WHERE lower(p.email) = lower(a.email))
         AND NOT EXISTS (SELECT 1 FROM directory_memberships x WHERE x.group_id = $2 AND x.account_id = a.id AND x.removed_at IS NULL)
       ORDER BY a.external_id LIMIT 1`,
      [connectionId, groupId],
    );
    const r = rows[0];
    expect((await putPolicy(groupId, { eligibleGroupIds: [r.group_id] })).status).toBe(200);
    const who = await createPrincipal(t, { email: r.email });
    // Ahead enough that the approval and the sync surely come first; brought forward below.
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: who.token,
      body: { groupId, startsAt },
    });
    expect(req.status).toBe(201);
    const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: owner.token,
      body: {},
    });
    expect(ok.status).toBe(200);
    // Taken out of the eligible group in JumpCloud; the next sync sees it.
    emu.emulator.externalRemoveMember(r.gext, r.external_id);
    await syncNow(t, connectionId);
    expect((await findGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId)).status).toBe('scheduled');
    const calls = emu.emulator.stats().membership.calls;
    await db.query(`UPDATE access_grants SET scheduled_for = now() - interval '1 second' WHERE id = $1`, [
      ok.body.grantId,
    ]);
    const ended = await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'ended');
    expect(ended.endReason).toBe('not_eligible');
    // Ended without an operation, so nothing can write to JumpCloud for it later.
    expect(emu.emulator.stats().membership.calls - calls).toBe(0);
    const ops = await db.query(
      `SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = $1`,
      [ok.body.grantId],
    );
    expect(ops.rows[0].n).toBe(0);
  }, 120_000);
});
