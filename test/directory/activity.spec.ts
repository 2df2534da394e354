import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import { localId, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';

const EVENTS = '^/insights/directory/v1/events$';
const DAY = 24 * 3600_000;
const SIZES = { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 3 };

interface Activity {
  lastSignInAt: string | null;
  applications: { id: string; name: string; lastSignInAt: string | null }[];
  insights: string;
  readThrough: string | null;
  coveredFrom: string | null;
}

/** Sign-in activity through REST, read from the emulator's Directory Insights events after each sync. */
describe('sign-in activity', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  const activity = async (accountId: string, token = BOOTSTRAP_TOKEN) =>
    (await t.request<Activity>('GET', `/api/v1/accounts/${accountId}/activity`, { token })).body;
  const accountOf = (userExt: string) => localId(db, connectionId, 'directory_accounts', userExt);
  const appOf = (appExt: string) => localId(db, connectionId, 'directory_applications', appExt);
  const insightsState = async () =>
    (await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN })).body
      .insights as string;
  const cursor = async () =>
    (
      await db.query<{ read_through: Date; covered_from: Date }>(
        `SELECT read_through, covered_from FROM directory_activity_cursors WHERE connection_id = $1`,
        [connectionId],
      )
    ).rows[0];

  /** A sync, then its activity read (the read's cursor moves past `after`). */
  async function syncAndRead(): Promise<Date> {
    const before = (await cursor())?.read_through.getTime() ?? 0;
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    return (
      await pollUntil(
        cursor,
        (c) => c !== undefined && c.read_through.getTime() > before,
        () => 'the activity read after the sync did not move the cursor',
      )
    ).read_through;
  }

  /** An SSO sign-in as JumpCloud would file it (lowercase values), `at` ms since the epoch. */
  function signIn(userExt: string, appExt: string | null, at: number, success = true): void {
    const u = emu.emulator.store.users[emu.emulator.store.userSlotById.get(userExt)!];
    const who = { id: u.id, type: 'user', username: u.username, email: u.email };
    if (appExt === null) {
      emu.emulator.insights.record(
        { event_type: 'user_login_attempt', service: 'directory', success, initiated_by: who, resource: who },
        at,
      );
      return;
    }
    emu.emulator.insights.record(
      {
        event_type: 'sso_auth',
        service: 'sso',
        success,
        initiated_by: who,
        application: { id: appExt, name: 'app' },
        resource: { id: appExt, type: 'application' },
      },
      at,
    );
  }

  /** What the emulator's events say: the latest successful sign-in per user and per user|app. */
  function expectedFromEmulator(): Map<string, number> {
    const page = emu.emulator.insights.query({
      service: ['all'],
      start_time: new Date(Date.now() - 90 * DAY).toISOString(),
      limit: 10_000,
    });
    const out = new Map<string, number>();
    const keep = (k: string, at: number) => out.set(k, Math.max(out.get(k) ?? 0, at));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- events are read as JumpCloud sends them
    for (const e of page.events as Record<string, any>[]) {
      if (e.success !== true) continue;
      const at = Date.parse(e.timestamp);
      if (e.event_type === 'sso_auth') keep(`${e.initiated_by.id}|${e.application.id}`, at);
      if (e.event_type === 'sso_auth' || e.event_type === 'user_login_attempt') keep(e.initiated_by.id, at);
    }
    return out;
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({ seed: 23, sizes: SIZES }));
    await pollUntil(
      cursor,
      (c) => c !== undefined,
      () => 'no activity read after the first sync',
    );
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));
  afterEach(() => {
    emu.emulator.setDenied('all', []);
    emu.emulator.clearFaults();
  });

  it('the first read covers 90 days: every account and application matches the events JumpCloud holds', async () => {
    const c = await cursor();
    expect(Date.now() - c.covered_from.getTime()).toBeGreaterThan(90 * DAY - 3600_000);
    expect(await insightsState()).toBe('readable');
    const want = expectedFromEmulator();
    const users = emu.emulator.store.users.filter((u) => !u.deleted);
    let withApps = 0;
    for (const u of users) {
      const got = await activity(await accountOf(u.id));
      const last = want.get(u.id);
      expect({ user: u.id, last: got.lastSignInAt }).toEqual({
        user: u.id,
        last: last === undefined ? null : new Date(last).toISOString(),
      });
      for (const a of got.applications) {
        const ext = (await db.query(`SELECT external_id FROM directory_applications WHERE id = $1`, [a.id]))
          .rows[0].external_id as string;
        const at = want.get(`${u.id}|${ext}`);
        expect({ app: ext, at: a.lastSignInAt }).toEqual({
          app: ext,
          at: at === undefined ? null : new Date(at).toISOString(),
        });
        if (a.lastSignInAt !== null) withApps++;
      }
      expect(got).toMatchObject({ insights: 'readable', readThrough: c.read_through.toISOString() });
    }
    // The seed gives sign-ins to most users and applications; nulls above are real absences.
    expect(withApps).toBeGreaterThan(5);
    expect([...want.keys()].filter((k) => !k.includes('|')).length).toBeGreaterThan(10);
  });

  it('later reads start at the cursor less the overlap: a late event is seen, a failed sign-in is not', async () => {
    const user = emu.emulator.store.users.find((u) => !u.deleted)!;
    const app = emu.emulator.store.apps[0];
    const previous = (await cursor()).read_through.getTime();
    // Filed now, but dated 5 minutes before the cursor: it arrived late.
    const late = previous - 5 * 60_000;
    signIn(user.id, app.id, late);
    // A failed attempt after it changes nothing.
    signIn(user.id, app.id, Date.now() - 1000, false);
    await syncAndRead();
    const got = await activity(await accountOf(user.id));
    const appId = await appOf(app.id);
    expect(got.applications.find((a) => a.id === appId)?.lastSignInAt).toBe(new Date(late).toISOString());
    expect(Date.parse(got.lastSignInAt!)).toBeGreaterThanOrEqual(late);
    // The first read's coverage is kept; the cursor moved on.
    expect((await cursor()).covered_from.getTime()).toBeLessThan(Date.now() - 89 * DAY);
  });

  it('a portal login counts for the account; an account reaching an application it never used shows null', async () => {
    const uid = emu.emulator.createUser({ firstname: 'Quiet', lastname: 'Person' });
    const group = emu.emulator.store.groups.find(
      (g) =>
        !g.deleted &&
        g.membershipMethod !== 'DYNAMIC_AUTOMATED' &&
        emu.emulator.store.apps.some((a) => a.groups.includes(emu.emulator.store.groupSlotById.get(g.id)!)),
    )!;
    emu.emulator.externalAddMember(group.id, uid);
    await syncAndRead();
    const quiet = await activity(await accountOf(uid));
    expect(quiet.lastSignInAt).toBeNull();
    expect(quiet.applications.length).toBeGreaterThan(0);
    expect(quiet.applications.every((a) => a.lastSignInAt === null)).toBe(true);

    const at = Date.now() - 2000;
    signIn(uid, null, at);
    await syncAndRead();
    const after = await activity(await accountOf(uid));
    expect(after.lastSignInAt).toBe(new Date(at).toISOString());
    expect(after.applications.every((a) => a.lastSignInAt === null)).toBe(true);
  });

  it('a 429/500 storm during the read is retried and every event is read', async () => {
    const user = emu.emulator.store.users.filter((u) => !u.deleted)[3];
    const app = emu.emulator.store.apps[1];
    const at = Date.now() - 1500;
    signIn(user.id, app.id, at);
    emu.emulator.addFault({ kind: 'server_error', count: 2, path: EVENTS });
    emu.emulator.addFault({ kind: 'rate_limit', fraction: 0.4, retryAfterSeconds: 0, path: EVENTS });
    const since = emu.emulator.lastSeq;
    await syncAndRead();
    const got = await activity(await accountOf(user.id));
    const appId = await appOf(app.id);
    expect(got.applications.find((a) => a.id === appId)?.lastSignInAt).toBe(new Date(at).toISOString());
    const calls = emu.emulator.requests({ since, path: EVENTS });
    expect(calls.some((c) => c.status === 500)).toBe(true);
    expect(await insightsState()).toBe('readable');
  });

  it('JumpCloud failing through every retry: nothing stored, the cursor stays, the next read catches up', async () => {
    const user = emu.emulator.store.users.filter((u) => !u.deleted)[4];
    const before = await cursor();
    const at = Date.now() - 1000;
    signIn(user.id, null, at);
    emu.emulator.addFault({ kind: 'server_error', path: EVENTS });
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      insightsState,
      (s) => s === 'unavailable',
      (s) => `insights ${s}`,
    );
    expect((await cursor()).read_through).toEqual(before.read_through);
    expect((await activity(await accountOf(user.id))).lastSignInAt).not.toBe(new Date(at).toISOString());
    emu.emulator.clearFaults();
    await syncAndRead();
    expect((await activity(await accountOf(user.id))).lastSignInAt).toBe(new Date(at).toISOString());
    expect(await insightsState()).toBe('readable');
  });

  it('insights forbidden: the sync still succeeds, nothing is read, the state and the old data say so', async () => {
    const user = emu.emulator.store.users.filter((u) => !u.deleted)[5];
    const accountId = await accountOf(user.id);
    const before = await activity(accountId);
    const c = await cursor();
    signIn(user.id, null, Date.now() - 500);
    emu.emulator.setDenied('all', ['insights.read']);
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      insightsState,
      (s) => s === 'forbidden',
      (s) => `insights ${s}`,
    );
    const after = await activity(accountId);
    expect(after).toEqual({ ...before, insights: 'forbidden' });
    expect((await cursor()).read_through).toEqual(c.read_through);
  });

  it('own accounts, auditors and admins read activity; others get 403; unknown 404, malformed 400', async () => {
    const user = emu.emulator.store.users.filter((u) => !u.deleted)[6];
    const accountId = await accountOf(user.id);
    const self = await createPrincipal(t, { email: user.email });
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    const other = await createPrincipal(t);
    const get = async (token: string, id = accountId) =>
      (await t.request('GET', `/api/v1/accounts/${id}/activity`, { token })).status;
    expect(await get(self.token)).toBe(200);
    expect(await get(auditor.token)).toBe(200);
    expect(await get(BOOTSTRAP_TOKEN)).toBe(200);
    expect(await get(other.token)).toBe(403);
    expect(
      await get(self.token, await accountOf(emu.emulator.store.users.filter((u) => !u.deleted)[7].id)),
    ).toBe(403);
    expect(await get(BOOTSTRAP_TOKEN, '00000000-0000-4000-8000-000000000000')).toBe(404);
    expect(await get(BOOTSTRAP_TOKEN, 'not-a-uuid')).toBe(400);
    expect((await t.request('GET', `/api/v1/accounts/${accountId}/activity`)).status).toBe(401);
  });
});
