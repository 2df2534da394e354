import { type Client } from 'pg';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type MembershipHistoryItem } from '../../src/directory/dto/membership-history.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec, type UserRec } from '../../src/emulator/store';
import { type TestApp } from '../helpers/app';
import { type StandIn, startStandIn } from '../helpers/http-stand-in';
import { syncNow } from '../helpers/jumpcloud';
import { createChannel } from '../helpers/notifications';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  outsidersOf,
  staticGroups,
  startEmulatedOrg,
  stopEmulatedOrg,
} from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { type Operation, waitForOps } from '../helpers/provisioning';

interface WebhookBody {
  kind: string;
  recipient: { id: string; email: string };
  subject: { type: string; id: string };
  data: Record<string, unknown>;
}

/**
 * Drift with attribution (API.md "Access, activity and drift", the history routes' `changedBy`,
 * `drift_detected`): someone changes a membership in JumpCloud (the emulator's control API, which
 * records the `association_change` event JumpCloud would), a sync sees it, Directory Insights says who
 * did it, and the group policy's `outOfBandAdds` acts on it. Everything through the REST API.
 */
describe('drift: changes made outside jumpgate', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let hooks: StandIn;
  let used = 0;

  const ctl = async (method: string, path: string, body?: unknown): Promise<number> =>
    (
      await fetch(`${emu.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).status;
  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);

  /** A static group no other test touches, with a member and a user outside it. */
  async function freshGroup(): Promise<{ rec: GroupRec; id: string; members: UserRec[]; outsider: UserRec }> {
    const rec = staticGroups(emu, 2).filter((g) => g.membershipMethod === 'STATIC')[used++];
    if (!rec) throw new Error('no fresh group left');
    return {
      rec,
      id: await idOf('directory_groups', rec.id),
      members: groupMembers(emu, rec),
      outsider: outsidersOf(emu, rec)[0],
    };
  }

  const history = async (path: string, token = auditor.token): Promise<MembershipHistoryItem[]> => {
    const res = await t.request('GET', `/api/v1/${path}/history?limit=500`, { token });
    expect(res.status).toBe(200);
    return res.body.items as MembershipHistoryItem[];
  };

  const putPolicy = (groupId: string, body: Record<string, unknown>, token = admin.token) =>
    t.request('PUT', `/api/v1/groups/${groupId}/policy`, {
      token,
      body: {
        ownerIds: [],
        requestable: false,
        maxDurationMinutes: 60,
        requireJustification: false,
        ...body,
      },
    });

  /** The webhook deliveries of drift_detected about this group, once each recipient has one. */
  const driftHooks = (groupId: string, recipients: number): Promise<WebhookBody[]> =>
    pollUntil(
      () =>
        Promise.resolve(
          hooks.requests
            .map((r) => JSON.parse(r.body) as WebhookBody)
            .filter((b) => b.kind === 'drift_detected' && b.subject.id === groupId),
        ),
      (bodies) => bodies.length >= recipients,
      (bodies) => `drift_detected webhooks for ${groupId}: ${JSON.stringify(bodies)}`,
      { timeoutMs: 30_000, intervalMs: 100 },
    );

  const reviewsOf = async (p: TestPrincipal): Promise<ReviewItemResponse[]> => {
    const res = await t.request('GET', '/api/v1/reviews?limit=500', { token: p.token });
    expect(res.status).toBe(200);
    return res.body.items as ReviewItemResponse[];
  };

  const driftOps = async (groupId: string): Promise<Operation[]> => {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM provisioning_operations WHERE group_id = $1 AND source_type = 'drift'`,
      [groupId],
    );
    return rows.length === 0
      ? []
      : waitForOps(
          t,
          rows.map((r) => r.id),
        );
  };

  beforeAll(async () => {
    hooks = await startStandIn((_req, res) => {
      res.statusCode = 204;
      res.end();
    });
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 2222, sizes: { users: 60, groups: 20, membershipsPerUser: 3, admins: 2, apps: 2 } },
      { env: { PUBLIC_URL: 'https://jg.example.test' } },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    await createChannel(t, 'webhook', { url: `${hooks.url}/hook`, secret: 'drift-webhook-secret' });
  });

  afterAll(async () => {
    await stopEmulatedOrg({ db, t, emu });
    await hooks.close();
  });

  afterEach(() => emu.emulator.setDenied('all', []));

  it('an administrator adds and SCIM removes in JumpCloud: the sync records both as outside, changed by whom Directory Insights names', async () => {
    const g = await freshGroup();
    const consoleAdmin = emu.emulator.store.admins[0];
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    emu.emulator.externalRemoveMember(g.rec.id, g.members[0].id, { type: 'scim' });
    const seq = emu.emulator.lastSeq;
    const run = await syncNow(t, connectionId);
    expect(run.status).toBe('succeeded');

    const joiner = await idOf('directory_accounts', g.outsider.id);
    const leaver = await idOf('directory_accounts', g.members[0].id);
    const rows = (await history(`groups/${g.id}`)).map(({ at: _at, ...rest }) => rest);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          accountId: joiner,
          groupId: g.id,
          action: 'added',
          source: { type: 'sync', id: run.id },
          outside: true,
          changedBy: { type: 'admin', email: consoleAdmin.email.toLowerCase() },
        },
        {
          accountId: leaver,
          groupId: g.id,
          action: 'removed',
          source: { type: 'sync', id: run.id },
          outside: true,
          changedBy: { type: 'scim' },
        },
      ]),
    );
    expect(rows).toHaveLength(2);
    // The account's own history says the same.
    expect((await history(`accounts/${joiner}`)).find((i) => i.groupId === g.id)?.changedBy).toEqual({
      type: 'admin',
      email: consoleAdmin.email.toLowerCase(),
    });
    // One events read for the whole sync, not one per membership.
    // (The activity read that follows a sync probes insights once more, after the run finished.)
    const reads = emu.emulator.requests({ since: seq, path: '/insights/directory/v1/events$' });
    expect(reads.filter((r) => r.at <= Date.parse(run.finishedAt!))).toHaveLength(1);
  });

  it('insights readable but no event names the change: unknown; the next sync attributes a late event', async () => {
    const g = await freshGroup();
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    // The event has not reached Directory Insights yet when the sync reads it.
    const late = emu.emulator.insights;
    emu.emulator.insights = new (late.constructor as new (org: () => string) => typeof late)(
      () => emu.emulator.store.org.id,
    );
    try {
      // A full sync lists the change (an incremental one would re-list only what events name).
      const run = await syncNow(t, connectionId, 'full');
      expect(run.status).toBe('succeeded');
    } finally {
      emu.emulator.insights = late;
    }
    const [row] = await history(`groups/${g.id}`);
    expect([row.action, row.outside, row.changedBy]).toEqual(['added', true, { type: 'unknown' }]);
    // Now the event is there: the next sync, whose window overlaps the previous one, names who did it.
    await syncNow(t, connectionId);
    const [again] = await history(`groups/${g.id}`);
    expect(again.changedBy).toEqual({
      type: 'admin',
      email: emu.emulator.store.admins[0].email.toLowerCase(),
    });
    expect(again.at).toBe(row.at);
  });

  it("outOfBandAdds review: drift_detected to the owner with who did it, an item in the owner's Drift reviews; a revoke removes the member in JumpCloud", async () => {
    const g = await freshGroup();
    const owner = await createPrincipal(t);
    expect((await putPolicy(g.id, { ownerIds: [owner.id], outOfBandAdds: 'review' })).status).toBe(200);
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    const run = await syncNow(t, connectionId);
    const accountId = await idOf('directory_accounts', g.outsider.id);
    const adminEmail = emu.emulator.store.admins[0].email.toLowerCase();

    const [hook] = await driftHooks(g.id, 1);
    expect(hook.recipient.id).toBe(owner.id);
    expect(hook.data).toMatchObject({
      runId: run.id,
      accountId,
      groupId: g.id,
      accountEmail: g.outsider.email,
      groupName: g.rec.name,
      changedBy: { type: 'admin', email: adminEmail },
      action: 'review',
      note: null,
    });
    // Only the owner: the admins are told when a group has no owner.
    const rows = await db.query(
      `SELECT recipient_id FROM notifications WHERE kind = 'drift_detected' AND subject_id = $1`,
      [g.id],
    );
    expect(rows.rows).toEqual([{ recipient_id: owner.id }]);

    const items = (await reviewsOf(owner)).filter((i) => i.group?.id === g.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      campaign: { name: 'Drift reviews', dueAt: null },
      account: { id: accountId, email: g.outsider.email },
      reviewerId: owner.id,
      status: 'pending',
      recommendation: {
        value: 'review',
        reason: `Added in JumpCloud outside jumpgate by the JumpCloud administrator ${adminEmail}`,
      },
    });
    // Nothing removed yet; the owner revokes, and the removal goes out at once.
    expect(emulatorHasMember(emu, g.rec.id, g.outsider.id)).toBe(true);
    const decided = await t.request('POST', `/api/v1/review-items/${items[0].id}/decision`, {
      token: owner.token,
      body: { decision: 'revoke', justification: 'nobody asked for this' },
    });
    expect(decided.status).toBe(200);
    await pollUntil(
      () => Promise.resolve(emulatorHasMember(emu, g.rec.id, g.outsider.id)),
      (has) => !has,
      () => 'the revoked drift was never removed in JumpCloud',
    );
    const audit = await t.request(
      'GET',
      `/api/v1/audit-events?action=access.drift.review_requested&targetId=${g.id}`,
      {
        token: auditor.token,
      },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].data).toMatchObject({ runId: run.id, accountId, reviewItemId: items[0].id });
  });

  it('outOfBandAdds revert: removed through the outbox (sourceType drift), audited, and the history shows both sides', async () => {
    const g = await freshGroup();
    expect((await putPolicy(g.id, { outOfBandAdds: 'revert' })).status).toBe(200);
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    const run = await syncNow(t, connectionId);
    const accountId = await idOf('directory_accounts', g.outsider.id);

    const ops = await driftOps(g.id);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({
      action: 'remove_member',
      accountId,
      sourceType: 'drift',
      sourceId: run.id,
      status: 'succeeded',
    });
    expect(emulatorHasMember(emu, g.rec.id, g.outsider.id)).toBe(false);
    const items = (await history(`groups/${g.id}`)).map((i) => [i.action, i.outside, i.changedBy?.type]);
    expect(items).toEqual([
      ['removed', false, 'jumpgate'],
      ['added', true, 'admin'],
    ]);
    // No owner: the admins are told, with what was done.
    const told = await driftHooks(g.id, 1);
    expect(told.map((h) => h.recipient.id)).toContain(admin.id);
    expect(told[0].data).toMatchObject({ action: 'revert', accountId });
    const audit = await t.request(
      'GET',
      `/api/v1/audit-events?action=access.drift.revert_enqueued&targetId=${g.id}`,
      {
        token: auditor.token,
      },
    );
    expect(audit.body.items.map((e: { data: unknown }) => e.data)).toEqual([
      expect.objectContaining({ runId: run.id, accountId, operationId: ops[0].id }),
    ]);
    // The next sync agrees: nothing more happens.
    await syncNow(t, connectionId);
    expect(await driftOps(g.id)).toHaveLength(1);
    expect(await history(`groups/${g.id}`)).toHaveLength(2);
  });

  it('a dynamic group is never reverted: its add is sent for review instead, and the notification says why', async () => {
    const g = await freshGroup();
    const owner = await createPrincipal(t);
    expect(await ctl('PATCH', `/groups/${g.rec.id}`, { membershipMethod: 'DYNAMIC_REVIEW_REQUIRED' })).toBe(
      200,
    );
    await syncNow(t, connectionId);
    expect((await putPolicy(g.id, { ownerIds: [owner.id], outOfBandAdds: 'revert' })).status).toBe(200);
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    await syncNow(t, connectionId);

    expect(await driftOps(g.id)).toEqual([]);
    expect(emulatorHasMember(emu, g.rec.id, g.outsider.id)).toBe(true);
    const [hook] = await driftHooks(g.id, 1);
    expect(hook.data).toMatchObject({
      action: 'review',
      note: expect.stringContaining('DYNAMIC_REVIEW_REQUIRED'),
    });
    const items = (await reviewsOf(owner)).filter((i) => i.group?.id === g.id);
    expect(items.map((i) => i.campaign.name)).toEqual(['Drift reviews']);
  });

  it('insights forbidden: changedBy null, and the policy still acts', async () => {
    const g = await freshGroup();
    expect((await putPolicy(g.id, { outOfBandAdds: 'revert' })).status).toBe(200);
    emu.emulator.setDenied('all', ['insights.read']);
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    const run = await syncNow(t, connectionId);
    expect(run.status).toBe('succeeded');
    const ops = await driftOps(g.id);
    expect(ops.map((o) => o.status)).toEqual(['succeeded']);
    expect(emulatorHasMember(emu, g.rec.id, g.outsider.id)).toBe(false);
    const added = (await history(`groups/${g.id}`)).find((i) => i.action === 'added')!;
    expect([added.outside, added.changedBy]).toEqual([true, null]);
    const [hook] = await driftHooks(g.id, 1);
    expect(hook.data).toMatchObject({ changedBy: null, action: 'revert' });
    // The connection says so too (the activity read after the sync records it).
    await pollUntil(
      async () =>
        (await t.request('GET', `/api/v1/connections/${connectionId}`, { token: auditor.token })).body
          .insights as string,
      (state) => state === 'forbidden',
      (state) => `connection insights: ${state}`,
    );
  });

  it('outOfBandAdds allow (the default): accepted, told, nothing removed or reviewed', async () => {
    const g = await freshGroup();
    expect(await ctl('POST', `/groups/${g.rec.id}/members`, { userId: g.outsider.id })).toBe(200);
    await syncNow(t, connectionId);
    const [hook] = await driftHooks(g.id, 1);
    expect(hook.data).toMatchObject({ action: 'allow' });
    expect(await driftOps(g.id)).toEqual([]);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM review_items WHERE group_id = $1`, [
      g.id,
    ]);
    expect(rows[0].n).toBe(0);
    expect(emulatorHasMember(emu, g.rec.id, g.outsider.id)).toBe(true);
    const policy = await t.request('GET', `/api/v1/groups/${g.id}/policy`, { token: auditor.token });
    expect(policy.body.outOfBandAdds).toBe('allow');
  });

  it('outOfBandAdds: a bad value is a 400 and changes nothing; only admins may set it', async () => {
    const g = await freshGroup();
    expect((await putPolicy(g.id, { outOfBandAdds: 'review' })).status).toBe(200);
    // (null, like every optional policy field, means the default.)
    for (const bad of ['nuke', '', 1, 'REVERT', ['revert']]) {
      const res = await putPolicy(g.id, { outOfBandAdds: bad });
      expect(res.status).toBe(400);
    }
    expect((await putPolicy(g.id, { outOfBandAdds: 'revert' }, auditor.token)).status).toBe(403);
    const plain = await createPrincipal(t);
    expect((await putPolicy(g.id, { outOfBandAdds: 'revert' }, plain.token)).status).toBe(403);
    const policy = await t.request('GET', `/api/v1/groups/${g.id}/policy`, { token: BOOTSTRAP_TOKEN });
    expect(policy.body.outOfBandAdds).toBe('review');
    // PUT replaces the whole policy: leaving it out means the default.
    expect((await putPolicy(g.id, {})).body.outOfBandAdds).toBe('allow');
  });
});
