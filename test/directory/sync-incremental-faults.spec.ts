import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { databaseSnapshot, emulatorSnapshot, type SyncRun, syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal } from '../helpers/principals';

/**
 * Incremental sync when the event stream cannot be trusted (issue 22): each case must end in a
 * correct full sync that says why; and the rules of every sync (holds, bad input, roles) still hold.
 */
describe('incremental sync: modes, fallbacks and faults', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 17, sizes: { users: 40, groups: 8, membershipsPerUser: 3, admins: 4, apps: 3 } },
      { env: { JUMPCLOUD_MAX_ATTEMPTS: '3' } },
    ));
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));
  afterEach(() => {
    emu.emulator.clearFaults();
    emu.emulator.setDenied('all', []);
  });

  const ctl = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  };

  /** Someone renames a user and moves a membership; the next sync must show both. */
  const changeSomething = async (tag: string) => {
    const s = emu.emulator.store;
    const [u1, u2] = s.userSlots().map((slot) => s.users[slot]);
    await ctl('PATCH', `/users/${u1.id}`, { displayname: `Changed ${tag}` });
    const g = s
      .groupSlots()
      .map((slot) => s.groups[slot])
      .find((x) => x.membershipMethod !== 'DYNAMIC_AUTOMATED')!;
    const member = s.users[g.members[0]];
    await ctl('DELETE', `/groups/${g.id}/members/${member.id}`);
    void u2;
  };

  const expectExact = async (run: SyncRun) => {
    expect(run.status).toBe('succeeded');
    expect(await databaseSnapshot(db, connectionId)).toEqual(emulatorSnapshot(emu));
  };

  it('the first sync is full; then auto syncs incrementally and reads the events it used', async () => {
    const runs = await t.request('GET', `/api/v1/connections/${connectionId}/syncs`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(runs.body.items.at(-1).stats).toMatchObject({ mode: 'full', fallbackReason: null, events: 0 });
    await changeSomething('a');
    const run = await syncNow(t, connectionId);
    expect(run.stats).toMatchObject({ mode: 'incremental', fallbackReason: null, updated: 1, removed: 1 });
    expect(run.stats.events).toBeGreaterThanOrEqual(2);
    await expectExact(run);
    // The events read, then only what they named: far fewer calls than the full sync.
    expect(run.stats.apiCalls).toBeLessThan(runs.body.items.at(-1).stats.apiCalls / 2);
    const conn = await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN });
    expect(conn.body.insights).toBe('readable');
  });

  it('mode full is full; bad modes are refused with 400 and start nothing', async () => {
    const full = await syncNow(t, connectionId, 'full');
    expect(full.stats).toMatchObject({
      mode: 'full',
      fallbackReason: null,
      added: 0,
      removed: 0,
      updated: 0,
    });
    const before = await db.query(
      `SELECT count(*)::int AS n FROM directory_sync_runs WHERE connection_id = $1`,
      [connectionId],
    );
    for (const body of [{ mode: 'sideways' }, { mode: 1 }, { mode: 'full', extra: true }]) {
      const res = await t.request('POST', `/api/v1/connections/${connectionId}/syncs`, {
        token: BOOTSTRAP_TOKEN,
        body,
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/mode|extra/);
    }
    const after = await db.query(
      `SELECT count(*)::int AS n FROM directory_sync_runs WHERE connection_id = $1`,
      [connectionId],
    );
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('an auditor may read runs but not start one, incremental or not', async () => {
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    const res = await t.request('POST', `/api/v1/connections/${connectionId}/syncs`, {
      token: auditor.token,
      body: { mode: 'incremental' },
    });
    expect(res.status).toBe(403);
    const list = await t.request('GET', `/api/v1/connections/${connectionId}/syncs`, {
      token: auditor.token,
    });
    expect(list.status).toBe(200);
    expect(list.body.items[0].stats.mode).toEqual(expect.stringMatching(/^(full|incremental)$/));
  });

  it.each([
    ['a 429 storm', { kind: 'rate_limit', retryAfterSeconds: 0 }],
    ['a 500 storm', { kind: 'server_error', status: 500 }],
  ])('%s on the events API: a correct full sync, reason events_error', async (_label, fault) => {
    await changeSomething(_label);
    await ctl('POST', '/faults', { ...fault, path: '/insights/directory/v1/events$' });
    const run = await syncNow(t, connectionId, 'incremental');
    expect(run.stats).toMatchObject({ mode: 'full', fallbackReason: 'events_error', events: 0 });
    await expectExact(run);
    // Only the events API failed: the full listing went through.
    expect(emu.emulator.listFaults()[0].hits).toBeGreaterThanOrEqual(2);
  });

  it('Directory Insights forbidden to the role: a correct full sync, reason insights_forbidden', async () => {
    await changeSomething('forbidden');
    emu.emulator.setDenied('all', ['insights.read']);
    const run = await syncNow(t, connectionId);
    expect(run.stats).toMatchObject({ mode: 'full', fallbackReason: 'insights_forbidden' });
    await expectExact(run);
    // What the sync found is the connection's state too.
    const conn = await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN });
    expect(conn.body.insights).toBe('forbidden');
  });

  it('a cursor past the 90-day retention: a correct full sync, reason cursor_past_retention', async () => {
    await syncNow(t, connectionId);
    await changeSomething('retention');
    // The last run read the events 91 days ago (and its full sync is recent enough to build on).
    await db.query(
      `UPDATE directory_sync_runs SET events_until = now() - interval '91 days'
       WHERE id = (SELECT id FROM directory_sync_runs WHERE connection_id = $1 AND status = 'succeeded'
                   ORDER BY finished_at DESC LIMIT 1)`,
      [connectionId],
    );
    const run = await syncNow(t, connectionId);
    expect(run.stats).toMatchObject({ mode: 'full', fallbackReason: 'cursor_past_retention' });
    await expectExact(run);
  });

  it('a full sync at least every FULL_SYNC_HOURS: auto runs it as planned, incremental says why', async () => {
    const age = () =>
      db.query(
        `UPDATE directory_sync_runs SET started_at = started_at - interval '25 hours' WHERE connection_id = $1`,
        [connectionId],
      );
    await age();
    const asked = await syncNow(t, connectionId, 'incremental');
    expect(asked.stats).toMatchObject({ mode: 'full', fallbackReason: 'full_sync_due' });
    await age();
    const auto = await syncNow(t, connectionId);
    expect(auto.stats).toMatchObject({ mode: 'full', fallbackReason: null });
    // That full sync is recent: the next one is incremental again.
    expect((await syncNow(t, connectionId)).stats.mode).toBe('incremental');
  });

  it('holds a mass removal seen through events; the full sync that follows confirms and applies it', async () => {
    await syncNow(t, connectionId, 'full');
    const s = emu.emulator.store;
    // Just over the 20% hold share of the live accounts (users and administrators).
    const live = s.userSlots().length + s.admins.length;
    const gone = s
      .userSlots()
      .slice(0, Math.floor(live * 0.2) + 1)
      .map((slot) => s.users[slot].id);
    for (const id of gone) await ctl('DELETE', `/users/${id}`);
    const held = await syncNow(t, connectionId);
    // The accounts are held; their memberships (a smaller share of all memberships) go, as in a full sync.
    expect(held.stats.mode).toBe('incremental');
    expect(held.held?.accounts).toBe(gone.length);
    const stillThere = await db.query(
      `SELECT count(*)::int AS n FROM directory_accounts WHERE connection_id = $1 AND external_id = ANY($2) AND removed_at IS NULL`,
      [connectionId, gone],
    );
    expect(stillThere.rows[0].n).toBe(gone.length);
    const applied = await syncNow(t, connectionId);
    expect(applied.stats).toMatchObject({ mode: 'full', fallbackReason: 'removals_held' });
    expect(applied.held).toBeNull();
    expect(applied.stats.removed).toBeGreaterThanOrEqual(gone.length);
    await expectExact(applied);
    expect((await syncNow(t, connectionId)).stats).toMatchObject({
      mode: 'incremental',
      added: 0,
      removed: 0,
    });
  });

  it('more changes than a full sync would cost to re-read: a correct full sync, reason too_many_events', async () => {
    const full = await syncNow(t, connectionId, 'full');
    const s = emu.emulator.store;
    const users = s.userSlots().map((slot) => s.users[slot]);
    // One read per changed user: more users than the full sync made calls.
    for (const u of users.slice(0, full.stats.apiCalls + 1)) {
      await ctl('PATCH', `/users/${u.id}`, { department: 'Moved' });
    }
    const run = await syncNow(t, connectionId);
    expect(run.stats).toMatchObject({ mode: 'full', fallbackReason: 'too_many_events' });
    expect(run.stats.updated).toBe(full.stats.apiCalls + 1);
    await expectExact(run);
  });
});
