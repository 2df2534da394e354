import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import {
  createConnection,
  databaseSnapshot,
  emulatorSnapshot,
  syncNow,
  waitForRun,
} from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';

const DIRECTORY_TABLES = [
  'directory_accounts',
  'directory_groups',
  'directory_memberships',
  'directory_membership_history',
  'directory_applications',
  'directory_application_groups',
];

/**
 * Every row version of the directory tables, by table: a row inserted, updated or deleted changes its
 * table's entry (an update writes a new version with a new ctid and xmin). Read from the rows
 * themselves, so it is exact at once (pg_stat_user_tables reached the counters up to seconds later).
 */
async function tableWrites(db: Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of DIRECTORY_TABLES) {
    const { rows } = await db.query<{ v: string }>(
      `SELECT count(*)::text || ':' || coalesce(md5(string_agg(ctid::text || '/' || xmin::text, ',' ORDER BY ctid)), '')
         AS v FROM ${table}`,
    );
    out[table] = rows[0].v;
  }
  return out;
}

describe('directory sync against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({ seed: 11 }, { sync: false }));
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('copies every account, group, membership, application and binding exactly', async () => {
    const run = await syncNow(t, connectionId);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    const expected = emulatorSnapshot(emu);
    expect(await databaseSnapshot(db, connectionId)).toEqual(expected);
    expect(run.stats).toMatchObject({
      users: expected.users.length,
      admins: expected.admins.length,
      groups: expected.groups.length,
      memberships: expected.memberships.length,
      applications: expected.applications.length,
      removed: 0,
      updated: 0,
    });
    expect(run.stats.added).toBe(
      expected.users.length +
        expected.admins.length +
        expected.groups.length +
        expected.memberships.length +
        expected.applications.length +
        expected.bindings.length,
    );
    expect(run.stats.apiCalls).toBeGreaterThan(expected.groups.length);
    const audit = await t.request(
      'GET',
      `/api/v1/audit-events?action=directory.sync.succeeded&targetId=${connectionId}`,
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].data).toMatchObject({ runId: run.id, stats: run.stats });
    // The connection's status is written just after the run's transaction commits (not inside it: a
    // provisioning settlement holding the connection row must not stall a sync), so it may lag the run.
    const conn = await pollUntil(
      () => t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN }),
      (r) => r.body.lastSyncAt !== null,
      (r) => `the connection never recorded the sync: ${JSON.stringify(r.body)}`,
    );
    expect(conn.body).toMatchObject({ status: 'ok', lastSyncAt: expect.any(String) });
  });

  it('writes no directory row when nothing changed', async () => {
    const before = await tableWrites(db);
    const run = await syncNow(t, connectionId);
    expect(run.status).toBe('succeeded');
    expect(run.stats).toMatchObject({ added: 0, removed: 0, updated: 0 });
    expect(await tableWrites(db)).toEqual(before);
  });

  it('shows exactly what someone else changed in JumpCloud, in the stats and the membership history', async () => {
    const s = emu.emulator.store;
    const users = s.users.filter((u) => !u.deleted);
    const groups = s.groups.filter((g) => !g.deleted && g.membershipMethod !== 'DYNAMIC_AUTOMATED');
    const g0 = groups[0];
    const member = s.users[g0.members[0]];
    const outsider = users.find(
      (u) => !Array.from(g0.members.subarray(0, g0.size)).includes(s.users.indexOf(u)),
    )!;
    emu.emulator.externalRemoveMember(g0.id, member.id);
    emu.emulator.externalAddMember(g0.id, outsider.id);
    const suspended = users.find(
      (u) => u.state === 'ACTIVATED' && u.id !== outsider.id && u.id !== member.id,
    )!;
    emu.emulator.setUserState(suspended.id, 'SUSPENDED');
    const deleted = users.find(
      (u) =>
        u.id !== suspended.id &&
        u.id !== outsider.id &&
        u.id !== member.id &&
        !users.some((x) => x.manager === s.users.indexOf(u)),
    )!;
    const deletedMemberships = s.groups.filter(
      (g) => !g.deleted && Array.from(g.members.subarray(0, g.size)).includes(s.users.indexOf(deleted)),
    ).length;
    emu.emulator.deleteUser(deleted.id);
    emu.emulator.updateGroup(groups[1].id, { name: `${groups[1].name} (renamed)` });

    const run = await syncNow(t, connectionId);
    expect(run.status).toBe('succeeded');
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));
    // added: one membership; removed: one membership, the deleted user and its memberships;
    // updated: the suspended user and the renamed group.
    expect(run.stats).toMatchObject({ added: 1, removed: 2 + deletedMemberships, updated: 2 });

    const history = await db.query<{ change: string; g: string; a: string }>(
      `SELECT h.change, g.external_id AS g, a.external_id AS a FROM directory_membership_history h
       JOIN directory_groups g ON g.id = h.group_id JOIN directory_accounts a ON a.id = h.account_id
       WHERE h.run_id = $1 ORDER BY h.change, g.external_id, a.external_id`,
      [run.id],
    );
    expect(history.rows.filter((r) => r.change === 'added')).toEqual([
      { change: 'added', g: g0.id, a: outsider.id },
    ]);
    const removed = history.rows.filter((r) => r.change === 'removed');
    expect(removed).toHaveLength(1 + deletedMemberships);
    expect(removed).toContainEqual({ change: 'removed', g: g0.id, a: member.id });

    const account = await db.query(`SELECT removed_at FROM directory_accounts WHERE external_id = $1`, [
      deleted.id,
    ]);
    expect(account.rows[0].removed_at).not.toBeNull();
  });

  it('revives a membership that comes back after a removal, with one row and its whole history', async () => {
    const s = emu.emulator.store;
    const group = s.groups.find(
      (g) => !g.deleted && g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.size > 1,
    )!;
    const member = s.users[group.members[1]];
    emu.emulator.externalRemoveMember(group.id, member.id);
    const removedRun = await syncNow(t, connectionId);
    expect(removedRun.stats).toMatchObject({ added: 0, removed: 1 });
    emu.emulator.externalAddMember(group.id, member.id);
    const revivedRun = await syncNow(t, connectionId);
    expect(revivedRun.stats).toMatchObject({ added: 1, removed: 0, updated: 0 });
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));

    const rows = await db.query<{ removed_at: Date | null }>(
      `SELECT m.removed_at FROM directory_memberships m
       JOIN directory_groups g ON g.id = m.group_id JOIN directory_accounts a ON a.id = m.account_id
       WHERE g.external_id = $1 AND a.external_id = $2`,
      [group.id, member.id],
    );
    expect(rows.rows).toEqual([{ removed_at: null }]);
    const history = await db.query<{ change: string; run_id: string }>(
      `SELECT h.change, h.run_id FROM directory_membership_history h
       JOIN directory_groups g ON g.id = h.group_id JOIN directory_accounts a ON a.id = h.account_id
       WHERE g.external_id = $1 AND a.external_id = $2 ORDER BY h.id`,
      [group.id, member.id],
    );
    // The baseline (first) sync wrote no history row for the pair; the changes since did.
    expect(history.rows).toEqual([
      { change: 'removed', run_id: removedRun.id },
      { change: 'added', run_id: revivedRun.id },
    ]);
  });

  it('converges to the exact state through 429 storms and 500s', async () => {
    emu.emulator.churn(10, 3);
    emu.emulator.addFault({ kind: 'rate_limit', fraction: 0.15, retryAfterSeconds: 0 });
    emu.emulator.addFault({ kind: 'server_error', fraction: 0.1 });
    try {
      const run = await syncNow(t, connectionId);
      expect(run.status).toBe('succeeded');
      expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));
    } finally {
      emu.emulator.clearFaults();
    }
  });

  it('fails without removing anything when a fault never ends', async () => {
    const before = await databaseSnapshot(db, connectionId);
    const g = emu.emulator.store.groups.find(
      (x) => !x.deleted && x.size > 0 && x.membershipMethod !== 'DYNAMIC_AUTOMATED',
    )!;
    emu.emulator.externalRemoveMember(g.id, emu.emulator.store.users[g.members[0]].id);
    emu.emulator.addFault({ kind: 'server_error', path: '/members$', count: 100_000 });
    try {
      const run = await syncNow(t, connectionId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/unavailable/);
      expect(await databaseSnapshot(db, connectionId)).toEqual(before);
      const conn = await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN });
      expect(conn.body.status).toBe('error');
    } finally {
      emu.emulator.clearFaults();
    }
    const recovered = await syncNow(t, connectionId);
    expect(recovered.status).toBe('succeeded');
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));
  });

  it('keeps nothing of a first sync whose listing fails after memberships were already copied', async () => {
    const second = (await createConnection(t, emu)).id;
    const groups = emu.emulator.store.groups.filter((x) => !x.deleted && x.size > 0);
    const last = groups[groups.length - 1];
    // Only the last group's listing fails: the others' memberships are copied before it is reached.
    emu.emulator.addFault({ kind: 'server_error', path: `/usergroups/${last.id}/members$`, count: 100_000 });
    try {
      const run = await syncNow(t, second);
      expect(run.status).toBe('failed');
    } finally {
      emu.emulator.clearFaults();
    }
    const rows = await db.query<{ accounts: number; groups: number; memberships: number }>(
      `SELECT (SELECT count(*) FROM directory_accounts WHERE connection_id = $1)::int AS accounts,
              (SELECT count(*) FROM directory_groups WHERE connection_id = $1)::int AS groups,
              (SELECT count(*) FROM directory_memberships WHERE connection_id = $1)::int AS memberships`,
      [second],
    );
    expect(rows.rows[0]).toEqual({ accounts: 0, groups: 0, memberships: 0 });
    const recovered = await syncNow(t, second);
    expect(recovered.status).toBe('succeeded');
    expect(await databaseSnapshot(db, second)).toEqual(emulatorSnapshot(emu));
  });

  it('returns the same run to two triggers at once', async () => {
    // Scheduled syncs are off in tests (SYNC_INTERVAL_MINUTES=0): every run of this connection is ours.
    const runsOf = async (): Promise<number> =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM directory_sync_runs WHERE connection_id = $1`,
          [connectionId],
        )
      ).rows[0].n;
    const before = await runsOf();
    const [a, b] = await Promise.all([
      t.request('POST', `/api/v1/connections/${connectionId}/syncs`, { token: BOOTSTRAP_TOKEN }),
      t.request('POST', `/api/v1/connections/${connectionId}/syncs`, { token: BOOTSTRAP_TOKEN }),
    ]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.id).toBe(b.body.id);
    expect(['queued', 'running']).toContain(a.body.status);
    await waitForRun(t, a.body.id);
    expect(await runsOf()).toBe(before + 1);
  });

  it('holds a removal of most memberships, and applies it when the next sync agrees', async () => {
    // Nothing held: null, not an empty object.
    expect((await syncNow(t, connectionId)).held).toBeNull();
    const s = emu.emulator.store;
    const before = await databaseSnapshot(db, connectionId);
    // Someone empties 60% of the memberships.
    const pairs = before.memberships.map((m) => m.split('|'));
    const toRemove = pairs.slice(0, Math.ceil(pairs.length * 0.6));
    for (const [g, u] of toRemove) {
      if (s.groups[s.groupSlotById.get(g)!].membershipMethod === 'DYNAMIC_AUTOMATED') continue;
      emu.emulator.externalRemoveMember(g, u);
    }
    const expectedAfter = emulatorSnapshot(emu);
    const share = (before.memberships.length - expectedAfter.memberships.length) / before.memberships.length;
    expect(share).toBeGreaterThan(0.2);

    const held = await syncNow(t, connectionId);
    expect(held.status).toBe('succeeded');
    // API.md: counts per kind, exactly (the digests the next run compares stay internal).
    expect(held.held).toEqual({
      accounts: 0,
      memberships: before.memberships.length - expectedAfter.memberships.length,
    });
    expect(held.stats.removed).toBe(0);
    // GET /syncs/{id}/held lists exactly the held memberships (local ids), nothing for other runs.
    const localPair = new Map<string, string>();
    for (const r of (
      await db.query<{ g: string; a: string; ge: string; ae: string }>(
        `SELECT m.group_id AS g, m.account_id AS a, g.external_id AS ge, a.external_id AS ae
         FROM directory_memberships m JOIN directory_groups g ON g.id = m.group_id
         JOIN directory_accounts a ON a.id = m.account_id WHERE g.connection_id = $1`,
        [connectionId],
      )
    ).rows)
      localPair.set(`${r.ge}|${r.ae}`, `${r.a}|${r.g}`);
    const gone = before.memberships.filter((m) => !expectedAfter.memberships.includes(m));
    const list = await t.request('GET', `/api/v1/syncs/${held.id}/held`, { token: BOOTSTRAP_TOKEN });
    expect(list.status).toBe(200);
    expect(list.body.items.every((i: { kind: string }) => i.kind === 'membership')).toBe(true);
    expect(
      (list.body.items as { accountId: string; groupId: string }[])
        .map((i) => `${i.accountId}|${i.groupId}`)
        .sort(),
    ).toEqual(gone.map((m) => localPair.get(m)).sort());
    expect(
      (
        await t.request('GET', `/api/v1/syncs/00000000-0000-4000-8000-000000000000/held`, {
          token: BOOTSTRAP_TOKEN,
        })
      ).status,
    ).toBe(404);
    expect((await t.request('GET', `/api/v1/syncs/not-a-uuid/held`, { token: BOOTSTRAP_TOKEN })).status).toBe(
      400,
    );
    expect((await databaseSnapshot(db, connectionId)).memberships).toEqual(before.memberships);

    const agreed = await syncNow(t, connectionId);
    expect(agreed.held).toBeNull();
    expect(
      (await t.request('GET', `/api/v1/syncs/${agreed.id}/held`, { token: BOOTSTRAP_TOKEN })).body,
    ).toEqual({
      items: [],
    });
    expect(agreed.stats.removed).toBe(before.memberships.length - expectedAfter.memberships.length);
    expect(await databaseSnapshot(db, connectionId)).toEqual(expectedAfter);
  });

  it('answers the directory read endpoints', async () => {
    const token = BOOTSTRAP_TOKEN;
    const accounts = await t.request(
      'GET',
      `/api/v1/accounts?connectionId=${connectionId}&kind=user&limit=500`,
      { token },
    );
    expect(accounts.status).toBe(200);
    expect(accounts.body.items).toHaveLength(emulatorSnapshot(emu).users.length);
    const withManager = accounts.body.items.find(
      (a: { managerAccountId: string | null }) => a.managerAccountId,
    );
    expect(withManager).toBeDefined();
    const groups = await t.request('GET', `/api/v1/groups?connectionId=${connectionId}&limit=500`, { token });
    const g = groups.body.items.find((x: { memberCount: number }) => x.memberCount > 0);
    const members = await t.request('GET', `/api/v1/groups/${g.id}/members?limit=500`, { token });
    expect(members.body.items).toHaveLength(g.memberCount);
    expect(members.body.items[0].since).toEqual(expect.any(String));
    const one = await t.request('GET', `/api/v1/accounts/${members.body.items[0].id}`, { token });
    expect(one.body.groups.map((x: { groupId: string }) => x.groupId)).toContain(g.id);
    const apps = await t.request('GET', `/api/v1/applications?connectionId=${connectionId}`, { token });
    expect(apps.body.items.length).toBe(emulatorSnapshot(emu).applications.length);
    const q = await t.request(
      'GET',
      `/api/v1/accounts?q=${encodeURIComponent(withManager.email.slice(0, 6))}`,
      { token },
    );
    expect(q.body.items.map((a: { id: string }) => a.id)).toContain(withManager.id);
    expect((await t.request('GET', `/api/v1/accounts?kind=robot`, { token })).status).toBe(400);
    expect(
      (
        await t.request('GET', `/api/v1/groups/${'0'.repeat(8)}-0000-4000-8000-000000000000/members`, {
          token,
        })
      ).status,
    ).toBe(404);
  });
});
