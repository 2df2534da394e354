import { Client } from 'pg';
import { type MembershipHistoryItem } from '../../src/directory/dto/membership-history.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { createConnection, syncNow, type SyncRun, waitForRun } from '../helpers/jumpcloud';
import { groupMembers, localId, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';
import { enqueueOps, waitForOps } from '../helpers/provisioning';

type HistoryItem = MembershipHistoryItem;

interface Run extends SyncRun {
  startedAt: string;
  finishedAt: string;
}

const ms = (iso: string): number => new Date(iso).getTime();

/**
 * Membership history (API.md `GET /groups/{id}/history`, `GET /accounts/{id}/history`) and the times
 * behind it, against the emulator: who changed what (jumpgate or someone else), when it happened, and
 * who may read it.
 */
describe('membership history', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  const ctl = async (method: string, path: string, body?: unknown): Promise<number> =>
    (
      await fetch(`${emu.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).status;
  const s = () => emu.emulator.store;
  const idOf = (table: 'directory_accounts' | 'directory_groups', externalId: string, c = connectionId) =>
    localId(db, c, table, externalId);
  const membersOf = (groupExt: string): string[] =>
    groupMembers(emu, s().groups[s().groupSlot(groupExt)!]).map((u) => u.id);
  /** Static groups, each used by one test only, and users of them (members or not). */
  let nextGroup = 0;
  const freshGroup = () => {
    const groups = s().groups.filter((g) => !g.deleted && g.membershipMethod === 'STATIC' && g.size >= 2);
    const g = groups[nextGroup++];
    if (!g) throw new Error('no fresh group left');
    const members = membersOf(g.id);
    const outsiders = s()
      .users.filter((u) => u.state === 'ACTIVATED' && !members.includes(u.id))
      .map((u) => u.id);
    return { ext: g.id, members, outsiders };
  };
  const history = async (path: string, token = BOOTSTRAP_TOKEN): Promise<HistoryItem[]> => {
    const res = await t.request('GET', `/api/v1/${path}/history?limit=500`, { token });
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items as HistoryItem[];
  };
  const run = async (id: string): Promise<Run> =>
    (await t.request('GET', `/api/v1/syncs/${id}`, { token: BOOTSTRAP_TOKEN })).body as Run;

  beforeAll(async () => {
    // Latency faults here stay below the client's timeout: a slow answer, not a retried one.
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 23, sizes: { users: 40, groups: 16, membershipsPerUser: 3, admins: 3, apps: 3 } },
      { env: { JUMPCLOUD_TIMEOUT_MS: '10000' }, sync: false },
    ));
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  afterEach(() => emu.emulator.clearFaults());

  it('a first sync over a slow listing: its run, memberships and audit event carry the moments they happened, and no history', async () => {
    const c = (await createConnection(t, emu)).id;
    // Each listing answers 1.5 s late: the users (before any membership is copied) and the
    // applications (after the last one). The run's transaction opens before the users are listed.
    emu.emulator.addFault({ kind: 'latency', path: '/systemusers$', count: 1, latencyMs: 1500 });
    emu.emulator.addFault({ kind: 'latency', path: '/applications$', count: 1, latencyMs: 1500 });
    const done = await syncNow(t, c);
    expect(done.status).toBe('succeeded');
    const r = await run(done.id);
    const started = ms(r.startedAt);
    const finished = ms(r.finishedAt);
    expect(finished - started).toBeGreaterThanOrEqual(3000);

    const { rows: memberships } = await db.query<{ since: Date; seen_at_baseline: boolean }>(
      `SELECT since, seen_at_baseline FROM directory_memberships WHERE connection_id = $1`,
      [c],
    );
    expect(memberships.length).toBe(done.stats.memberships);
    expect(memberships.length).toBeGreaterThan(0);
    for (const m of memberships) {
      expect(m.since.getTime()).toBeGreaterThanOrEqual(started + 1500);
      expect(m.since.getTime()).toBeLessThanOrEqual(finished);
      expect(m.seen_at_baseline).toBe(true);
    }
    // The baseline writes no history row per membership (README): nothing changed, jumpgate began looking.
    const g = s().groups.find((x) => !x.deleted && x.size > 0)!;
    expect(await history(`groups/${await idOf('directory_groups', g.id, c)}`)).toEqual([]);

    const audit = await t.request(
      'GET',
      `/api/v1/audit-events?action=directory.sync.succeeded&targetId=${c}&limit=500`,
      { token: BOOTSTRAP_TOKEN },
    );
    const event = (audit.body.items as { at: string; data: { runId: string } }[]).find(
      (e) => e.data.runId === done.id,
    )!;
    expect(ms(event.at)).toBeGreaterThanOrEqual(started + 3000);
  });

  it('a change someone else made is recorded by the sync that saw it: outside, at the moment it was recorded', async () => {
    const g = freshGroup();
    const [leaver] = g.members;
    const [joiner] = g.outsiders;
    expect(await ctl('POST', `/groups/${g.ext}/members`, { userId: joiner })).toBe(200);
    expect(await ctl('DELETE', `/groups/${g.ext}/members/${leaver}`)).toBe(200);
    emu.emulator.addFault({ kind: 'latency', path: '/applications$', count: 1, latencyMs: 1500 });
    const done = await syncNow(t, connectionId);
    expect(done.stats).toMatchObject({ added: 1, removed: 1 });
    const r = await run(done.id);

    const groupId = await idOf('directory_groups', g.ext);
    // The emulator's control API records its changes as made by the organisation's first administrator.
    const changedBy = { type: 'admin', email: s().admins[0].email.toLowerCase() };
    const joinerId = await idOf('directory_accounts', joiner);
    const leaverId = await idOf('directory_accounts', leaver);
    const items = await history(`groups/${groupId}`);
    expect(items.map(({ at: _at, ...rest }) => rest)).toEqual(
      expect.arrayContaining([
        {
          accountId: joinerId,
          groupId,
          action: 'added',
          source: { type: 'sync', id: done.id },
          outside: true,
          changedBy,
        },
        {
          accountId: leaverId,
          groupId,
          action: 'removed',
          source: { type: 'sync', id: done.id },
          outside: true,
          changedBy,
        },
      ]),
    );
    expect(items).toHaveLength(2);
    for (const i of items) {
      // Recorded after the listing (1.5 s late) and before the run finished.
      expect(ms(i.at)).toBeGreaterThanOrEqual(ms(r.startedAt) + 1500);
      expect(ms(i.at)).toBeLessThanOrEqual(ms(r.finishedAt));
    }
    const members = await t.request('GET', `/api/v1/groups/${groupId}/members?limit=500`, {
      token: BOOTSTRAP_TOKEN,
    });
    const since = (members.body.items as { id: string; since: string }[]).find((m) => m.id === joinerId)!;
    expect(ms(since.since)).toBeGreaterThanOrEqual(ms(r.startedAt) + 1500);
    // The account's own history shows the same row.
    expect(await history(`accounts/${joinerId}`)).toEqual([items.find((i) => i.accountId === joinerId)]);
  });

  it("jumpgate's own changes: source operation, not outside, changed by jumpgate; the next sync does not record them again", async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    const added = await idOf('directory_accounts', g.outsiders[0]);
    const removed = await idOf('directory_accounts', g.members[0]);
    const [addOp] = await enqueueOps(t, [{ connectionId, action: 'add_member', accountId: added, groupId }]);
    expect((await waitForOps(t, [addOp]))[0].status).toBe('succeeded');
    const [removeOp] = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: removed, groupId },
    ]);
    expect((await waitForOps(t, [removeOp]))[0].status).toBe('succeeded');
    expect(membersOf(g.ext)).toContain(g.outsiders[0]);
    expect(membersOf(g.ext)).not.toContain(g.members[0]);

    const expected = [
      { accountId: removed, groupId, action: 'removed', source: { type: 'operation', id: removeOp } },
      { accountId: added, groupId, action: 'added', source: { type: 'operation', id: addOp } },
    ].map((x) => ({ ...x, outside: false, changedBy: { type: 'jumpgate' } }));
    const before = await history(`groups/${groupId}`);
    expect(before.map(({ at: _at, ...rest }) => rest)).toEqual(expected);
    expect(ms(before[0].at)).toBeGreaterThanOrEqual(ms(before[1].at));

    const next = await syncNow(t, connectionId);
    expect(next.status).toBe('succeeded');
    expect(await history(`groups/${groupId}`)).toEqual(before);
    // The sync's subscribers run after it commits: its verification of both operations may follow.
    for (let i = 0; ; i++) {
      const ops = await waitForOps(t, [addOp, removeOp]);
      if (ops.every((o) => o.verification !== 'pending')) {
        expect(ops.map((o) => o.verification)).toEqual(['confirmed', 'confirmed']);
        break;
      }
      if (i > 200) throw new Error('operations never verified');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('a sync whose listing began before jumpgate changed a membership leaves it to the next run instead of recording it as outside', async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    const added = await idOf('directory_accounts', g.outsiders[0]);
    const removed = await idOf('directory_accounts', g.members[0]);
    // Applications are listed after every group's members: a window between the listing and the merge.
    emu.emulator.addFault({ kind: 'latency', path: '/applications$', count: 1, latencyMs: 5000 });
    const since = emu.emulator.lastSeq;
    // A full listing: an incremental run would not list this group's members at all.
    const trigger = await t.request('POST', `/api/v1/connections/${connectionId}/syncs`, {
      token: BOOTSTRAP_TOKEN,
      body: { mode: 'full' },
    });
    expect(trigger.status).toBe(202);
    const membersListed = () =>
      emu.emulator.requests({ since, path: `/usergroups/${g.ext}/members$` }).some((e) => e.status === 200);
    const appsAsked = () => emu.emulator.requests({ since, path: '/applications$' }).length > 0;
    for (let i = 0; !(membersListed() && appsAsked()); i++) {
      if (i > 3000) throw new Error('the sync never reached its application listing');
      await new Promise((r) => setTimeout(r, 10));
    }
    // The group was listed without these changes; jumpgate makes them now, before the merge.
    const ops = await enqueueOps(t, [
      { connectionId, action: 'add_member', accountId: added, groupId },
      { connectionId, action: 'remove_member', accountId: removed, groupId },
    ]);
    expect((await waitForOps(t, ops)).map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    const first = await waitForRun(t, trigger.body.id as string);
    expect(first.status).toBe('succeeded');
    // Both settled before the application listing answered, so before the merge compared anything.
    const appsAnswered = emu.emulator.requests({ since, path: '/applications$' })[0].at + 5000;
    for (const id of ops) {
      const op = await t.request('GET', `/api/v1/provisioning-operations/${id}`, { token: BOOTSTRAP_TOKEN });
      expect(ms(op.body.completedAt as string)).toBeLessThan(appsAnswered);
    }

    const onlyOps = (await history(`groups/${groupId}`)).map((i) => [i.source.type, i.action, i.outside]);
    expect(onlyOps.sort()).toEqual([
      ['operation', 'added', false],
      ['operation', 'removed', false],
    ]);
    const live = await db.query<{ account_id: string }>(
      `SELECT account_id FROM directory_memberships WHERE group_id = $1 AND removed_at IS NULL`,
      [groupId],
    );
    expect(live.rows.map((r) => r.account_id)).toContain(added);
    expect(live.rows.map((r) => r.account_id)).not.toContain(removed);

    // The next run lists after the changes: it agrees, and records nothing.
    await syncNow(t, connectionId);
    expect(await history(`groups/${groupId}`)).toHaveLength(2);
  });

  it("a removal that found the member already gone (not_member) is not recorded as jumpgate's: the sync records it as outside", async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    const [leaver] = g.members;
    const leaverId = await idOf('directory_accounts', leaver);
    // Someone removes the member in JumpCloud after the last sync; then jumpgate removes it too.
    expect(await ctl('DELETE', `/groups/${g.ext}/members/${leaver}`)).toBe(200);
    const [op] = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: leaverId, groupId },
    ]);
    const [settled] = await waitForOps(t, [op]);
    expect([settled.status, settled.result]).toEqual(['succeeded', 'not_member']);
    expect(await history(`groups/${groupId}`)).toEqual([]);

    const done = await syncNow(t, connectionId);
    expect((await history(`groups/${groupId}`)).map(({ at: _at, ...rest }) => rest)).toEqual([
      {
        accountId: leaverId,
        groupId,
        action: 'removed',
        source: { type: 'sync', id: done.id },
        outside: true,
        changedBy: { type: 'admin', email: s().admins[0].email.toLowerCase() },
      },
    ]);
  });

  it("a sync that saw jumpgate's write land before the operation settled gives the change back to the operation", async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    const added = await idOf('directory_accounts', g.outsiders[0]);
    // Settling starts by noting that the connection's writes work: with the connection's row locked,
    // the operation waits there, after JumpCloud applied its write and before it is recorded. (NO KEY
    // UPDATE: inserts referring to the connection still go through.)
    await db.query(`UPDATE connections SET write_access = 'unverified' WHERE id = $1`, [connectionId]);
    const lock = new Client({ connectionString: t.databaseUrl });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`SELECT 1 FROM connections WHERE id = $1 FOR NO KEY UPDATE`, [connectionId]);
      const [op] = await enqueueOps(t, [{ connectionId, action: 'add_member', accountId: added, groupId }]);
      for (let i = 0; !membersOf(g.ext).includes(g.outsiders[0]); i++) {
        if (i > 3000) throw new Error('the add never reached JumpCloud');
        await new Promise((r) => setTimeout(r, 10));
      }
      // A sync lists the group now: the member is there, and jumpgate has not recorded it yet. A full
      // one: an incremental run records the connection's insights state on the row this test holds.
      const trigger = await t.request('POST', `/api/v1/connections/${connectionId}/syncs`, {
        token: BOOTSTRAP_TOKEN,
        body: { mode: 'full' },
      });
      expect((await waitForRun(t, trigger.body.id as string)).status).toBe('succeeded');
      expect((await history(`groups/${groupId}`)).map((i) => [i.source.type, i.outside])).toEqual([
        ['sync', true],
      ]);
      await lock.query('ROLLBACK');
      expect((await waitForOps(t, [op]))[0].status).toBe('succeeded');
      const items = await history(`groups/${groupId}`);
      expect(items.map(({ at: _at, ...rest }) => rest)).toEqual([
        {
          accountId: added,
          groupId,
          action: 'added',
          source: { type: 'operation', id: op },
          outside: false,
          changedBy: { type: 'jumpgate' },
        },
      ]);
    } finally {
      await lock.end();
    }
  });

  it('who may read it: own accounts, beneficiaries of requests one may approve, everything for auditors; 400, 403, 404', async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    const [mineExt, othersExt] = g.members;
    const mine = await idOf('directory_accounts', mineExt);
    const others = await idOf('directory_accounts', othersExt);
    // One change each, made by jumpgate, so both accounts have history in this group.
    const ops = await enqueueOps(t, [
      { connectionId, action: 'remove_member', accountId: mine, groupId },
      { connectionId, action: 'remove_member', accountId: others, groupId },
    ]);
    expect((await waitForOps(t, ops)).map((o) => o.status)).toEqual(['succeeded', 'succeeded']);

    const owner = await createPrincipal(t, { email: s().users[s().userSlotById.get(mineExt)!].email });
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    const get = (path: string, token: string) => t.request('GET', `/api/v1/${path}`, { token });

    // Earlier tests may have changed these accounts' other groups: this group's rows are the ones to check.
    const inGroup = async (accountId: string, token: string) => {
      const res = await get(`accounts/${accountId}/history`, token);
      expect(res.status).toBe(200);
      const items = res.body.items as HistoryItem[];
      expect(items.every((i) => i.accountId === accountId)).toBe(true);
      return items.filter((i) => i.groupId === groupId).map((i) => [i.action, i.source.type]);
    };
    expect(await inGroup(mine, owner.token)).toEqual([['removed', 'operation']]);
    const refused = await get(`accounts/${others}/history`, owner.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect(await inGroup(others, auditor.token)).toEqual([['removed', 'operation']]);
    // A plain principal reads a group's history only about the accounts it may read.
    expect(
      ((await get(`groups/${groupId}/history`, owner.token)).body.items as HistoryItem[]).map(
        (i) => i.accountId,
      ),
    ).toEqual([mine]);
    expect((await get(`groups/${groupId}/history`, auditor.token)).body.items).toHaveLength(2);

    // An approver of a pending request may read its beneficiary's history.
    let requestable = freshGroup();
    while (membersOf(requestable.ext).includes(othersExt)) requestable = freshGroup();
    const requestableId = await idOf('directory_groups', requestable.ext);
    const policy = await t.request('PUT', `/api/v1/groups/${requestableId}/policy`, {
      token: BOOTSTRAP_TOKEN,
      body: { ownerIds: [owner.id], requestable: true, maxDurationMinutes: 60, requireJustification: false },
    });
    expect(policy.status).toBe(200);
    const request = await t.request('POST', '/api/v1/access-requests', {
      token: BOOTSTRAP_TOKEN,
      body: { groupId: requestableId, accountId: others },
    });
    expect(request.status).toBe(201);
    expect(request.body.status).toBe('pending');
    expect(await inGroup(others, owner.token)).toEqual([['removed', 'operation']]);
    expect(
      ((await get(`groups/${groupId}/history`, owner.token)).body.items as HistoryItem[])
        .map((i) => i.accountId)
        .sort(),
    ).toEqual([mine, others].sort());

    for (const path of ['accounts', 'groups']) {
      expect((await get(`${path}/00000000-0000-4000-8000-000000000009/history`, auditor.token)).status).toBe(
        404,
      );
      expect((await get(`${path}/not-a-uuid/history`, auditor.token)).status).toBe(400);
      const id = path === 'accounts' ? mine : groupId;
      const forged = (k: string, cursorId: string) =>
        Buffer.from(JSON.stringify({ k, id: cursorId })).toString('base64url');
      for (const cursor of [
        'not-a-cursor',
        forged('yesterday', '1'),
        forged('2026-01-01T00:00:00.000000Z', 'x; DROP'),
        forged('2026-02-30T00:00:00.000000Z', '1'),
        // Another list's shape (a uuid id): history rows are numbered.
        forged('2026-01-01T00:00:00.000000Z', mine),
      ]) {
        const bad = await get(`${path}/${id}/history?cursor=${cursor}`, auditor.token);
        expect([bad.status, bad.body.code]).toEqual([400, 'invalid_cursor']);
      }
      expect((await get(`${path}/${id}/history?limit=0`, auditor.token)).status).toBe(400);
    }
  });

  it('pages newest first, each row once', async () => {
    const g = freshGroup();
    const groupId = await idOf('directory_groups', g.ext);
    // Four changes, one after the other: two out of band (seen by syncs), two by jumpgate.
    expect(await ctl('POST', `/groups/${g.ext}/members`, { userId: g.outsiders[0] })).toBe(200);
    await syncNow(t, connectionId);
    const [op1] = await enqueueOps(t, [
      {
        connectionId,
        action: 'add_member',
        accountId: await idOf('directory_accounts', g.outsiders[1]),
        groupId,
      },
    ]);
    await waitForOps(t, [op1]);
    expect(await ctl('DELETE', `/groups/${g.ext}/members/${g.outsiders[0]}`)).toBe(200);
    await syncNow(t, connectionId);
    const [op2] = await enqueueOps(t, [
      {
        connectionId,
        action: 'remove_member',
        accountId: await idOf('directory_accounts', g.members[0]),
        groupId,
      },
    ]);
    await waitForOps(t, [op2]);

    const all = await history(`groups/${groupId}`);
    expect(all.map((i) => [i.source.type, i.action])).toEqual([
      ['operation', 'removed'],
      ['sync', 'removed'],
      ['operation', 'added'],
      ['sync', 'added'],
    ]);
    const paged: HistoryItem[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request(
        'GET',
        `/api/v1/groups/${groupId}/history?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { token: BOOTSTRAP_TOKEN },
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...(res.body.items as HistoryItem[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(paged).toEqual(all);
  });
});
