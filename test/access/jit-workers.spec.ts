import { type Client } from 'pg';
import { type GrantResponse } from '../../src/access/dto/access.dto';
import { type RunningEmulator } from '../../src/emulator';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { putRequestablePolicy } from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startWorker, type WorkerProcess } from '../helpers/workers';
import { pollUntil } from '../helpers/poll';

/**
 * Grant expiry with real worker processes (ARCHITECTURE.md rule 3): two workers revoke each grant once,
 * and grants that expired while every worker was down are revoked right after one comes back.
 */
describe('grant expiry with worker processes', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let approver: TestPrincipal;
  let groupId: string;
  const workers: WorkerProcess[] = [];
  const WORKER_ENV = { EXPIRY_SWEEP_SECONDS: '1' };

  /** Accounts outside the group, each with a principal of its email. */
  async function requesters(count: number): Promise<{ accountId: string; principal: TestPrincipal }[]> {
    const { rows } = await db.query<{ id: string; email: string }>(
      `SELECT a.id, a.email FROM directory_accounts a
       WHERE a.connection_id = $1 AND a.kind = 'user' AND a.removed_at IS NULL AND a.email IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM directory_memberships m WHERE m.group_id = $2 AND m.account_id = a.id)
         AND NOT EXISTS (SELECT 1 FROM principals p WHERE lower(p.email) = lower(a.email))
       ORDER BY a.external_id LIMIT $3`,
      [connectionId, groupId, count],
    );
    expect(rows).toHaveLength(count);
    const out = [];
    for (const r of rows)
      out.push({ accountId: r.id, principal: await createPrincipal(t, { email: r.email }) });
    return out;
  }

  async function grantsOf(ids: string[]): Promise<GrantResponse[]> {
    const res = await t.request('GET', `/api/v1/grants?groupId=${groupId}&limit=500`, {
      token: BOOTSTRAP_TOKEN,
    });
    return (res.body.items as GrantResponse[]).filter((g) => ids.includes(g.id));
  }

  // Generous: these tests assert what happened (once, by whom, never early), not how fast on a loaded machine.
  async function waitAll(ids: string[], status: string, timeoutMs = 120_000): Promise<void> {
    await pollUntil(
      () => grantsOf(ids),
      (grants) => grants.length === ids.length && grants.every((g) => g.status === status),
      (grants) => `grants not ${status}: ${JSON.stringify(grants)}`,
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Active grants for `count` fresh accounts. */
  async function activeGrants(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (const r of await requesters(count)) {
      const req = await t.request('POST', '/api/v1/access-requests', {
        token: r.principal.token,
        body: { groupId, durationMinutes: 30 },
      });
      expect(req.status).toBe(201);
      const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
        token: approver.token,
        body: {},
      });
      expect(ok.status).toBe(200);
      ids.push(ok.body.grantId as string);
    }
    await waitAll(ids, 'active');
    return ids;
  }

  const membership = () => emu.emulator.stats().membership;

  beforeAll(async () => {
    // This process serves HTTP only; the children sync, apply operations, expire grants and sweep.
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 91, sizes: { users: 60, groups: 6, membershipsPerUser: 1, admins: 2, apps: 1 } },
      { env: { APP_ROLE: 'api' }, sync: false },
    ));
    workers.push(await startWorker(t, emu, WORKER_ENV));
    await syncNow(t, connectionId);
    approver = await createPrincipal(t);
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM directory_groups WHERE connection_id = $1 AND membership_method <> 'DYNAMIC_AUTOMATED'
       ORDER BY external_id LIMIT 1`,
      [connectionId],
    );
    groupId = rows[0].id;
    const policy = await putRequestablePolicy(t, BOOTSTRAP_TOKEN, groupId, [approver.id]);
    expect(policy.status).toBe(200);
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('revokes each expired grant once with two worker processes, one JumpCloud call each', async () => {
    workers.push(await startWorker(t, emu, WORKER_ENV));
    const ids = await activeGrants(6);
    const before = membership();
    await db.query(`UPDATE access_grants SET expires_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    await waitAll(ids, 'ended');
    await new Promise((r) => setTimeout(r, 2000));
    const after = membership();
    expect({ calls: after.calls - before.calls, removed: after.removed - before.removed }).toEqual({
      calls: 6,
      removed: 6,
    });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = ANY($1::uuid[]) AND action = 'remove_member'`,
      [ids],
    );
    expect(rows[0].n).toBe(6);
  }, 240_000);

  it('revokes each grant within EXPIRY_SWEEP_SECONDS of expiry after Redis is flushed with grants active', async () => {
    const ids = await activeGrants(4);
    await db.query(
      `UPDATE access_grants SET expires_at = now() + interval '2 seconds' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    // The delayed jobs (and every queued job) are gone; only Postgres remembers the grants.
    await flushTestRedis(t.redisUrl);
    const before = membership();
    await waitAll(ids, 'ended');
    // Only the sweep can have done it (Redis held no job for them), once each and never before expiry.
    const { rows } = await db.query<{ early: number; removals: number }>(
      `SELECT count(*) FILTER (WHERE o.created_at < g.expires_at)::int AS early, count(*)::int AS removals
       FROM access_grants g JOIN provisioning_operations o ON o.source_id = g.id AND o.action = 'remove_member'
       WHERE g.id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows[0]).toEqual({ early: 0, removals: 4 });
    expect((await grantsOf(ids)).map((g) => g.endReason)).toEqual([
      'expired',
      'expired',
      'expired',
      'expired',
    ]);
    expect(membership().removed - before.removed).toBe(4);
  }, 240_000);

  it('revokes grants that expired while every worker was down right after one starts again', async () => {
    const ids = await activeGrants(3);
    while (workers.length > 0) await workers.pop()!.kill('SIGKILL');
    // Time passes with no worker: the grants are now past expiry.
    await db.query(
      `UPDATE access_grants SET expires_at = now() - interval '5 minutes' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const before = membership();
    // Nothing revoked them while no worker ran.
    expect((await grantsOf(ids)).map((g) => g.status)).toEqual(['active', 'active', 'active']);
    const { rows: clock } = await db.query<{ at: Date }>(`SELECT clock_timestamp() AS at`);
    workers.push(await startWorker(t, emu, WORKER_ENV));
    await waitAll(ids, 'ended');
    const grants = await grantsOf(ids);
    expect(grants.every((g) => g.endReason === 'expired')).toBe(true);
    // The worker that came back revoked them: each removal was written after it started, once.
    const { rows } = await db.query<{ after: number; removals: number }>(
      `SELECT count(*) FILTER (WHERE created_at > $2)::int AS after, count(*)::int AS removals
       FROM provisioning_operations WHERE source_id = ANY($1::uuid[]) AND action = 'remove_member'`,
      [ids, clock[0].at],
    );
    expect(rows[0]).toEqual({ after: 3, removals: 3 });
    expect(membership().removed - before.removed).toBe(3);
  }, 240_000);
});
