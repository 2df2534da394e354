import { getQueueToken } from '@nestjs/bullmq';
import { type Queue } from 'bullmq';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { QUEUES } from '../../src/platform/queue/queues';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  memberSlots,
  startEmulatedOrg,
  staticGroups,
  stopEmulatedOrg,
} from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';
import { enqueueOps, waitForOps } from '../helpers/provisioning';
import { ProvisioningService } from '../../src/provisioning/provisioning.service';

describe('provisioning outbox against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  /** jumpgate ids of a static group and of users in it / not in it. */
  async function pick(nth = 0) {
    const groups = staticGroups(emu);
    const g = groups[nth % groups.length];
    const inGroup = new Set(memberSlots(g));
    const outsiders = emu.emulator.store.users.filter((u, slot) => !u.deleted && !inGroup.has(slot));
    const members = groupMembers(emu, g);
    const id = (table: string, ext: string) => localId(db, connectionId, table, ext);
    return {
      groupExt: g.id,
      groupId: await id('directory_groups', g.id),
      outsider: { ext: outsiders[nth].id, id: await id('directory_accounts', outsiders[nth].id) },
      member: { ext: members[0].id, id: await id('directory_accounts', members[0].id) },
    };
  }
  const isMember = (groupExt: string, userExt: string) => emulatorHasMember(emu, groupExt, userExt);
  const writes = () => emu.emulator.stats().membership;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 51, sizes: { users: 60, groups: 10, membershipsPerUser: 2, admins: 3, apps: 2 } },
      { env: { JUMPCLOUD_TIMEOUT_MS: '500' } },
    ));
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  afterEach(() => emu.emulator.clearFaults());

  it('applies an add with exactly one JumpCloud call, updates the directory, audits, and the next sync confirms', async () => {
    const p = await pick(0);
    const before = writes();
    const seq = emu.emulator.lastSeq;
    const [id] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    const [op] = await waitForOps(t, [id]);
    expect(op).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      lastError: null,
      verification: 'pending',
      result: 'added',
    });
    expect(writes()).toEqual({ calls: before.calls + 1, added: before.added + 1, removed: before.removed });
    // One membership read in JumpCloud itself (not counted in attempts), then the one write.
    const calls = emu.emulator
      .requests({ since: seq })
      // The activity read after each sync (Directory Insights) runs on its own; the add is what counts here.
      .filter((r) => r.route !== '/oauth2/token' && !r.route.startsWith('/insights/'))
      .map((r) => `${r.method} ${r.route} ${decodeURIComponent(r.query)}`);
    expect(calls).toEqual([
      `GET /api/v2/users/:user_id/memberof filter=object_id:eq:${p.groupExt}&limit=100&skip=0`,
      'POST /api/v2/usergroups/:group_id/members ',
    ]);
    expect(isMember(p.groupExt, p.outsider.ext)).toBe(true);
    const m = await db.query(
      `SELECT removed_at FROM directory_memberships WHERE group_id = $1 AND account_id = $2`,
      [p.groupId, p.outsider.id],
    );
    expect(m.rows).toEqual([{ removed_at: null }]);
    const audit = await t.request(
      'GET',
      `/api/v1/audit-events?action=provisioning.operation.succeeded&targetId=${id}`,
      { token: BOOTSTRAP_TOKEN },
    );
    expect(audit.body.items).toHaveLength(1);
    const conn = await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN });
    expect(conn.body.writeAccess).toBe('verified');

    await syncNow(t, connectionId);
    // The verifying handler runs after the sync ends (a loaded machine may take a moment).
    let [verified] = await waitForOps(t, [id]);
    for (let i = 0; i < 100 && verified.verification === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      [verified] = await waitForOps(t, [id]);
    }
    expect(verified.verification).toBe('confirmed');
  });

  it('yields one operation for the same intent enqueued twice', async () => {
    const p = await pick(1);
    const svc = t.app.get(ProvisioningService);
    const { DataSource } = await import('typeorm');
    const intent = {
      connectionId,
      action: 'add_member' as const,
      accountId: p.outsider.id,
      groupId: p.groupId,
      reason: 'x',
      sourceType: 'grant' as const,
      sourceId: '11111111-1111-4111-8111-111111111111',
    };
    const ds = t.app.get(DataSource);
    const a = await ds.transaction((m) => svc.enqueue(m, [intent]));
    const b = await ds.transaction((m) => svc.enqueue(m, [intent, intent]));
    expect(b).toEqual([a[0], a[0]]);
    const n = await db.query(`SELECT count(*)::int AS n FROM provisioning_operations WHERE source_id = $1`, [
      intent.sourceId,
    ]);
    expect(n.rows[0].n).toBe(1);
    await svc.dispatch(a);
    await waitForOps(t, a);
  });

  it('retries through 500 twice, a 429 with Retry-After and a hung request, each change made once', async () => {
    const p = await pick(2);
    emu.emulator.addFault({ kind: 'server_error', count: 2, path: '/members$', method: 'POST' });
    const before = writes();
    const [a] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    expect((await waitForOps(t, [a]))[0]).toMatchObject({ status: 'succeeded', attempts: 3 });

    emu.emulator.addFault({
      kind: 'rate_limit',
      count: 1,
      retryAfterSeconds: 1,
      path: '/members$',
      method: 'POST',
    });
    const [b] = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: p.member.id, groupId: p.groupId },
    ]);
    expect((await waitForOps(t, [b]))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });

    // The hung add reached nobody (the emulator never answers it); the retry makes it.
    emu.emulator.addFault({ kind: 'hang', count: 1, path: '/members$', method: 'POST' });
    const q = await pick(3);
    const [c] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: q.outsider.id, groupId: q.groupId },
    ]);
    expect((await waitForOps(t, [c]))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });

    expect(isMember(p.groupExt, p.outsider.ext)).toBe(true);
    expect(isMember(p.groupExt, p.member.ext)).toBe(false);
    expect(isMember(q.groupExt, q.outsider.ext)).toBe(true);
    const after = writes();
    expect({ added: after.added - before.added, removed: after.removed - before.removed }).toEqual({
      added: 2,
      removed: 1,
    });
  });

  it('treats add-already-member and remove-not-member as success', async () => {
    const p = await pick(4);
    const before = writes();
    const ids = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: p.member.id, groupId: p.groupId },
      { connectionId, action: 'remove_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    const ops = await waitForOps(t, ids);
    expect(ops.map((o) => [o.status, o.result, o.attempts])).toEqual([
      // The add read the membership in JumpCloud first and wrote nothing; the removal's 404 is success.
      ['succeeded', 'already_member', 0],
      ['succeeded', 'not_member', 1],
    ]);
    const after = writes();
    expect({
      calls: after.calls - before.calls,
      added: after.added - before.added,
      removed: after.removed - before.removed,
    }).toEqual({ calls: 1, added: 0, removed: 0 });
  });

  it('applies operations on one membership oldest first: an add then a remove never race', async () => {
    const p = await pick(5);
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.provisioning));
    await queue.pause();
    const [add] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    const [remove] = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    // Make the newer one first in line: the outbox, not the queue, decides the order.
    await (await queue.getJob(`op.${add}`))?.remove();
    await queue.resume();
    await t.app.get(ProvisioningService).dispatch([add]);
    const ops = await waitForOps(t, [add, remove]);
    expect(ops.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(isMember(p.groupExt, p.outsider.ext)).toBe(false);
    const order = await db.query(
      `SELECT id FROM provisioning_operations WHERE id = ANY($1) ORDER BY completed_at`,
      [[add, remove]],
    );
    expect(order.rows.map((r) => r.id)).toEqual([add, remove]);
  });

  it('applies every pending operation exactly once after Redis is flushed', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.provisioning));
    await queue.pause();
    // One after another: they share one pg client.
    const picks = [];
    for (const n of [6, 7, 8, 9]) picks.push(await pick(n));
    const before = writes();
    const ids = await enqueueOps(
      t,
      picks.map((p) => ({
        connectionId,
        action: 'add_member' as const,
        accountId: p.outsider.id,
        groupId: p.groupId,
      })),
    );
    await flushTestRedis(t.redisUrl);
    await queue.resume();
    await db.query(
      `UPDATE provisioning_operations SET created_at = created_at - interval '1 minute' WHERE id = ANY($1)`,
      [ids],
    );
    expect(await t.app.get(ProvisioningService).relay()).toBe(ids.length);
    const ops = await waitForOps(t, ids);
    expect(ops.every((o) => o.status === 'succeeded')).toBe(true);
    const after = writes();
    expect(after.calls - before.calls).toBe(ids.length);
    expect(after.added - before.added).toBe(
      new Set(picks.map((p) => `${p.groupExt}:${p.outsider.ext}`)).size,
    );
  });

  it('leaves a DYNAMIC_AUTOMATED group to JumpCloud: manual, nothing sent', async () => {
    const s = emu.emulator.store;
    const dyn = s.groups.find((g) => !g.deleted && g.membershipMethod === 'DYNAMIC_AUTOMATED');
    expect(dyn).toBeDefined();
    const groupId = (
      await db.query(`SELECT id FROM directory_groups WHERE external_id = $1 AND connection_id = $2`, [
        dyn!.id,
        connectionId,
      ])
    ).rows[0].id;
    const account = (
      await db.query(`SELECT id FROM directory_accounts WHERE kind = 'user' AND connection_id = $1 LIMIT 1`, [
        connectionId,
      ])
    ).rows[0].id;
    const before = writes();
    const [id] = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: account, groupId },
    ]);
    const [op] = await waitForOps(t, [id]);
    expect(op).toMatchObject({
      status: 'manual',
      attempts: 0,
      lastError: expect.stringMatching(/DYNAMIC_AUTOMATED/),
    });
    expect(writes().calls).toBe(before.calls);
  });

  it('fails after a fault that never ends, and an admin retry applies it', async () => {
    const p = await pick(10);
    emu.emulator.addFault({ kind: 'server_error', path: '/members$', method: 'POST', count: 10_000 });
    const [id] = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: p.outsider.id, groupId: p.groupId },
    ]);
    const [failed] = await waitForOps(t, [id]);
    expect(failed).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/unavailable/) });
    expect(failed.attempts).toBeGreaterThan(5);
    const list = await t.request('GET', '/api/v1/provisioning-operations?status=failed', {
      token: BOOTSTRAP_TOKEN,
    });
    expect(list.body.items.map((o: { id: string }) => o.id)).toContain(id);

    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    expect(
      (await t.request('POST', `/api/v1/provisioning-operations/${id}/retry`, { token: auditor.token }))
        .status,
    ).toBe(403);
    emu.emulator.clearFaults();
    const retried = await t.request('POST', `/api/v1/provisioning-operations/${id}/retry`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('pending');
    expect((await waitForOps(t, [id]))[0].status).toBe('succeeded');
    expect(isMember(p.groupExt, p.outsider.ext)).toBe(true);
    const again = await t.request('POST', `/api/v1/provisioning-operations/${id}/retry`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(again.status).toBe(409);
  });

  it('fails at once, saying so, when the credentials may not write groups', async () => {
    const p = await pick(11);
    emu.emulator.setDenied('service_account', ['groups.write']);
    try {
      const [id] = await enqueueOps(t, [
        { connectionId, action: 'add_member', accountId: p.outsider.id, groupId: p.groupId },
      ]);
      const [op] = await waitForOps(t, [id]);
      expect(op).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: expect.stringMatching(/missing_permission/),
      });
      const conn = await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN });
      expect(conn.body.writeAccess).toBe('denied');
    } finally {
      emu.emulator.setDenied('service_account', []);
    }
  });

  it('lists operations with filters and validates them', async () => {
    const all = await t.request('GET', '/api/v1/provisioning-operations?limit=500', {
      token: BOOTSTRAP_TOKEN,
    });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(5);
    expect(Object.keys(all.body.items[0]).sort()).toEqual(
      [
        'id',
        'connectionId',
        'action',
        'accountId',
        'groupId',
        'reason',
        'sourceType',
        'sourceId',
        'status',
        'attempts',
        'lastError',
        'verification',
        'result',
        'createdAt',
        'completedAt',
      ].sort(),
    );
    expect(
      (await t.request('GET', '/api/v1/provisioning-operations?status=done', { token: BOOTSTRAP_TOKEN }))
        .status,
    ).toBe(400);
    const plain = await createPrincipal(t);
    expect((await t.request('GET', '/api/v1/provisioning-operations', { token: plain.token })).status).toBe(
      403,
    );
  });
});
