import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { emulatorSnapshot, type SyncRun, syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { enqueueOps, waitForOps } from '../helpers/provisioning';

/**
 * An incremental run takes its counts and the removal hold's denominators from the counts the
 * database keeps (migration 1764000015700), not from counting every row (issue 22). They must be
 * exactly what counting would give, whoever wrote the rows, and a full sync recounts.
 */
describe('incremental sync: counts kept, not counted', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 31,
      // Enough groups that a full sync costs more calls than re-reading a dozen new users.
      sizes: { users: 40, groups: 40, membershipsPerUser: 3, admins: 4, apps: 3 },
    }));
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  const ctl = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emu.url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    return (await res.json()) as T;
  };

  /** What counting the directory copy gives, in the run's terms. */
  const counted = async () => {
    const { rows } = await db.query<Record<string, number>>(
      `SELECT
         (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND kind = 'user' AND removed_at IS NULL)::int AS users,
         (SELECT count(*) FROM directory_accounts WHERE connection_id = $1 AND kind = 'admin' AND removed_at IS NULL)::int AS admins,
         (SELECT count(*) FROM directory_groups WHERE connection_id = $1 AND removed_at IS NULL)::int AS groups,
         (SELECT count(*) FROM directory_memberships WHERE connection_id = $1 AND removed_at IS NULL)::int AS memberships,
         (SELECT count(*) FROM directory_applications WHERE connection_id = $1 AND removed_at IS NULL)::int AS applications`,
      [connectionId],
    );
    return rows[0];
  };
  const countsOf = (run: SyncRun) => {
    const { users, admins, groups, memberships, applications } = run.stats;
    return { users, admins, groups, memberships, applications };
  };
  const createUsers = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push((await ctl<{ id: string }>('POST', '/users', { firstname: 'Count', lastname: `U${i}` })).id);
    }
    return ids;
  };
  const liveAccounts = async () => {
    const c = await counted();
    return c.users + c.admins;
  };

  it("an incremental run's counts are the live rows, after jumpgate's own writes and changes made outside", async () => {
    const s = emu.emulator.store;
    // Smallest groups first: a deleted group's memberships stay under the hold share.
    const manual = s
      .groupSlots()
      .map((slot) => ({ slot, g: s.groups[slot] }))
      .filter(({ g }) => g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.size > 0)
      .sort((a, b) => a.g.size - b.g.size);
    // jumpgate adds a member and removes one through its outbox (JumpCloud and the directory copy).
    const idOf = async (table: string, externalId: string) =>
      (
        await db.query<{ id: string }>(
          `SELECT id FROM ${table} WHERE connection_id = $1 AND external_id = $2`,
          [connectionId, externalId],
        )
      ).rows[0].id;
    const { slot, g } = manual[0];
    const outsider = s.users[s.userSlots().find((u) => !s.isMember(slot, u)) as number];
    const member = s.users[g.members[0]];
    const groupId = await idOf('directory_groups', g.id);
    const ops = await enqueueOps(t, [
      {
        connectionId,
        action: 'add_member',
        accountId: await idOf('directory_accounts', outsider.id),
        groupId,
      },
      {
        connectionId,
        action: 'remove_member',
        accountId: await idOf('directory_accounts', member.id),
        groupId,
      },
    ]);
    expect((await waitForOps(t, ops)).map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    // Someone else removes a member elsewhere, deletes a group and creates a user.
    const other = manual[1].g;
    await ctl('DELETE', `/groups/${other.id}/members/${s.users[other.members[0]].id}`);
    await ctl('DELETE', `/groups/${manual[2].g.id}`);
    await createUsers(1);

    const run = await syncNow(t, connectionId);
    expect(run.stats).toMatchObject({ mode: 'incremental', fallbackReason: null });
    expect(countsOf(run)).toEqual(await counted());
    const e = emulatorSnapshot(emu);
    expect(countsOf(run)).toEqual({
      users: e.users.length,
      admins: e.admins.length,
      groups: e.groups.length,
      memberships: e.memberships.length,
      applications: e.applications.length,
    });
  });

  it('a full sync recounts: kept counts that went wrong are set right, and incremental runs count right again', async () => {
    // A write past the counting triggers (as a hand edit with them disabled would leave).
    await db.query(
      `INSERT INTO directory_live_counts (connection_id, kind, n) VALUES ($1, 'membership', 7)`,
      [connectionId],
    );
    const full = await syncNow(t, connectionId, 'full');
    expect(full.stats.mode).toBe('full');
    expect(countsOf(full)).toEqual(await counted());
    expect(
      t.logs.some((l) => l.includes('kept live counts were off') && l.includes('"memberships":-7')),
    ).toBe(true);
    const kept = await db.query<{ kind: string; n: number }>(
      `SELECT kind, sum(n)::int AS n FROM directory_live_counts WHERE connection_id = $1 GROUP BY kind ORDER BY kind`,
      [connectionId],
    );
    const real = await counted();
    expect(kept.rows).toEqual([
      { kind: 'admin', n: real.admins },
      { kind: 'application', n: real.applications },
      { kind: 'group', n: real.groups },
      { kind: 'membership', n: real.memberships },
      { kind: 'user', n: real.users },
    ]);
    await createUsers(1);
    const next = await syncNow(t, connectionId);
    expect(next.stats.mode).toBe('incremental');
    expect(countsOf(next)).toEqual(await counted());
  });

  it("the hold's denominator is exact: removing exactly the hold share applies, one more is held", async () => {
    await syncNow(t, connectionId, 'full');
    // Accounts without memberships, so only the accounts' share is in play. First make the live
    // accounts a multiple of five and remove exactly a fifth (20%: applied; 20.4% if one short).
    let live = await liveAccounts();
    let extra = 0;
    while ((live + extra) % 5 !== 0 || (live + extra) / 5 > extra) extra++;
    let created = await createUsers(extra);
    expect((await syncNow(t, connectionId)).stats).toMatchObject({ mode: 'incremental', added: extra });
    live = await liveAccounts();
    const fifth = created.slice(0, live / 5);
    for (const id of fifth) await ctl('DELETE', `/users/${id}`);
    const applied = await syncNow(t, connectionId);
    expect(applied.stats).toMatchObject({ mode: 'incremental', removed: fifth.length });
    expect(applied.held).toBeNull();
    expect(await liveAccounts()).toBe(live - fifth.length);
    expect(countsOf(applied)).toEqual(await counted());

    // Then one more than the share of the live accounts, but exactly the share of one account more
    // (an over-counted denominator would apply it).
    live = await liveAccounts();
    extra = 0;
    while ((live + extra + 1) % 5 !== 0 || (live + extra + 1) / 5 > extra) extra++;
    created = await createUsers(extra);
    await syncNow(t, connectionId);
    live = await liveAccounts();
    const over = created.slice(0, (live + 1) / 5);
    for (const id of over) await ctl('DELETE', `/users/${id}`);
    const held = await syncNow(t, connectionId);
    expect(held.stats.mode).toBe('incremental');
    expect(held.held).toEqual({ accounts: over.length, memberships: 0 });
    const stored = await db.query<{ held: { accounts: { share: number } } }>(
      `SELECT held FROM directory_sync_runs WHERE id = $1`,
      [held.id],
    );
    expect(stored.rows[0].held.accounts.share).toBe(Math.round((over.length / live) * 1000) / 1000);
    expect(await liveAccounts()).toBe(live);
  });
});
