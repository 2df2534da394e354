import { type Client } from 'pg';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { recommend } from '../../src/campaigns/recommendation.policy';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { syncNow } from '../helpers/jumpcloud';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

const SIZES = { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 3 };
const INACTIVE = /^No sign-in to .+ seen by JumpCloud in \d+ days/;
const HONEST = ' (it sees only sign-ins made through JumpCloud)';

type Item = ReviewItemResponse;

/**
 * The "no sign-in seen by JumpCloud in N days" recommendation and the campaign field `inactiveDays`
 * (API.md "Access, activity and drift"), through the REST API against the emulator's sign-in history.
 */
describe('inactivity recommendation', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let reviewer: TestPrincipal;

  const cursor = async () =>
    (
      await db.query<{ covered_from: Date; read_through: Date }>(
        `SELECT covered_from, read_through FROM directory_activity_cursors WHERE connection_id = $1`,
        [connectionId],
      )
    ).rows[0];

  /** A sync, then the activity read that follows it, through at least `at`. */
  async function syncAndReadActivity(at = Date.now()): Promise<void> {
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      cursor,
      (c) => c !== undefined && c.read_through.getTime() >= at,
      () => 'no activity read after the sync',
    );
  }

  const launch = (body: Record<string, unknown> = {}): Promise<CampaignResponse> =>
    launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id], ...body }),
    );

  const campaignCount = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n;

  /** The recommendation the policy gives an item of a full campaign (no certifications) from its own facts. */
  function expected(item: Item, c: CampaignResponse, coveredFrom: Date | null): ReturnType<typeof recommend> {
    return recommend({
      state: item.account.state ?? '',
      isAdministrator: item.account.isAdministrator,
      mfaConfigured: item.account.mfaConfigured,
      department: item.account.department,
      managerAccountId: item.account.manager?.id ?? null,
      certified: null,
      activity:
        coveredFrom === null
          ? null
          : {
              inactiveDays: c.inactiveDays,
              now: Date.parse(c.launchedAt!),
              coveredFrom: coveredFrom.getTime(),
              applications: (item.group?.applications ?? []).map((a) => ({
                name: a.name,
                lastSignInAt: a.lastSignInAt === null ? null : Date.parse(a.lastSignInAt),
              })),
            },
    });
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({ seed: 24, sizes: SIZES }));
    await pollUntil(
      cursor,
      (c) => c !== undefined,
      () => 'no activity read after the first sync',
    );
    admin = await createPrincipal(t, { roles: ['admin'] });
    reviewer = await createPrincipal(t);
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('inactiveDays: 60 unless given, returned on reads; not an integer >= 1 is 400 and creates nothing', async () => {
    const plain = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id] }),
    });
    expect(plain.status).toBe(201);
    expect(plain.body.inactiveDays).toBe(60);
    const given = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id], inactiveDays: 14 }),
    });
    expect(given.status).toBe(201);
    const read = await t.request('GET', `/api/v1/campaigns/${given.body.id}`, { token: admin.token });
    expect(read.body.inactiveDays).toBe(14);

    const before = await campaignCount();
    for (const bad of [0, -3, 1.5, '30', 3651]) {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: admin.token,
        body: campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id], inactiveDays: bad }),
      });
      expect({ bad, status: res.status, message: JSON.stringify(res.body.message) }).toEqual({
        bad,
        status: 400,
        message: expect.stringContaining('inactiveDays'),
      });
    }
    // Not an admin: refused before anything is looked at.
    const byReviewer = await t.request('POST', '/api/v1/campaigns', {
      token: reviewer.token,
      body: campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id], inactiveDays: 30 }),
    });
    expect(byReviewer.status).toBe(403);
    expect(await campaignCount()).toBe(before);
  });

  it('a template keeps inactiveDays (60 unless given), refuses a bad one unchanged, and its campaigns inherit it', async () => {
    const { dueAt: _dueAt, ...campaign } = campaignBody(connectionId, reviewer.id, {
      name: 'Inactivity template',
      reviewerIds: [reviewer.id],
    });
    const body = { ...campaign, schedule: { everyMonths: 1 }, durationDays: 7 };
    const plain = await t.request('POST', '/api/v1/campaign-templates', { token: admin.token, body });
    expect(plain.status).toBe(201);
    expect(plain.body.inactiveDays).toBe(60);
    await t.request('DELETE', `/api/v1/campaign-templates/${plain.body.id}`, { token: admin.token });

    const created = await t.request('POST', '/api/v1/campaign-templates', {
      token: admin.token,
      body: { ...body, inactiveDays: 21 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.inactiveDays).toBe(21);
    const bad = await t.request('PATCH', `/api/v1/campaign-templates/${id}`, {
      token: admin.token,
      body: { inactiveDays: 0 },
    });
    expect([bad.status, JSON.stringify(bad.body.message)]).toEqual([
      400,
      expect.stringContaining('inactiveDays'),
    ]);
    const badCreate = await t.request('POST', '/api/v1/campaign-templates', {
      token: admin.token,
      body: { ...body, inactiveDays: 'soon' },
    });
    expect([badCreate.status, JSON.stringify(badCreate.body.message)]).toEqual([
      400,
      expect.stringContaining('inactiveDays'),
    ]);
    expect(
      (await t.request('GET', `/api/v1/campaign-templates/${id}`, { token: admin.token })).body.inactiveDays,
    ).toBe(21);
    const patched = await t.request('PATCH', `/api/v1/campaign-templates/${id}`, {
      token: admin.token,
      body: { inactiveDays: 45 },
    });
    expect([patched.status, patched.body.inactiveDays]).toEqual([200, 45]);

    // The server's tick makes the period in progress's campaign from the template.
    const [made] = await pollUntil(
      async () =>
        (await t.request('GET', `/api/v1/campaign-templates/${id}/campaigns`, { token: admin.token })).body
          .items as CampaignResponse[],
      (items) => items.length > 0,
      () => 'the template made no campaign',
    );
    expect(made.inactiveDays).toBe(45);
    await waitForCampaign(t, admin.token, made.id, 'active');
    await t.request('DELETE', `/api/v1/campaign-templates/${id}`, { token: admin.token });
    await t.request('POST', `/api/v1/campaigns/${made.id}/cancel`, { token: admin.token });
  });

  it('a membership whose member signed in to none of its applications within inactiveDays is recommended for review; a recent sign-in clears it', async () => {
    // A membership idle for 30 days by the seeded history, whose member signs in to one of its
    // applications now (an sso_auth recorded through the emulator's control API).
    const probe = await launch({ inactiveDays: 30 });
    const idle = (await campaignItems(t, admin.token, probe.id)).filter((i) =>
      INACTIVE.test(i.recommendation?.reason ?? ''),
    );
    expect(idle.length).toBeGreaterThan(1);
    const [woken, still] = idle;
    const app = woken.group!.applications[0];
    const [appExternal, userExternal] = await Promise.all([
      db.query<{ external_id: string }>(`SELECT external_id FROM directory_applications WHERE id = $1`, [
        app.id,
      ]),
      db.query<{ external_id: string }>(`SELECT external_id FROM directory_accounts WHERE id = $1`, [
        woken.account.id,
      ]),
    ]);
    const signedIn = await fetch(`${emu.url}/__emulator/users/${userExternal.rows[0].external_id}/sign-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ applicationId: appExternal.rows[0].external_id }),
    });
    expect(signedIn.status).toBe(200);
    await syncAndReadActivity();

    const c = await launch({ inactiveDays: 30 });
    expect(c.inactiveDays).toBe(30);
    const items = await campaignItems(t, admin.token, c.id);
    const { covered_from } = await cursor();
    // The launch's set-wise SQL agrees with the policy's `holds`, item by item, on the seeded history.
    let inactive = 0;
    let activeWithApps = 0;
    for (const i of items) {
      expect({ item: i.id, rec: i.recommendation }).toEqual({
        item: i.id,
        rec: expected(i, c, covered_from),
      });
      if (INACTIVE.test(i.recommendation?.reason ?? '')) inactive++;
      else if ((i.group?.applications.length ?? 0) > 0 && i.recommendation === null) activeWithApps++;
    }
    expect(inactive).toBeGreaterThan(0);
    expect(activeWithApps).toBeGreaterThan(0);

    const same = (x: Item) => (i: Item) => i.account.id === x.account.id && i.group?.id === x.group?.id;
    const wokenNow = items.find(same(woken))!;
    expect(wokenNow.recommendation).toBeNull();
    expect(
      Date.now() - Date.parse(wokenNow.group!.applications.find((a) => a.id === app.id)!.lastSignInAt!),
    ).toBeLessThan(10 * 60_000);
    const stillNow = items.find(same(still))!;
    const names = stillNow.group!.applications.map((a) => a.name);
    expect(stillNow.recommendation).toEqual({
      value: 'review',
      reason: `No sign-in to ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`} seen by JumpCloud in 30 days${HONEST}`,
    });
    // Items without applications never get it.
    expect(
      items
        .filter((i) => i.group?.applications.length === 0)
        .every((i) => !INACTIVE.test(i.recommendation?.reason ?? '')),
    ).toBe(true);
    await t.request('POST', `/api/v1/campaigns/${probe.id}/cancel`, { token: admin.token });
    await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token });
  });

  it('over 90 days the reason claims the 90 JumpCloud keeps, never more', async () => {
    const c = await launch({ inactiveDays: 200 });
    const items = await campaignItems(t, admin.token, c.id);
    const { covered_from } = await cursor();
    const reasons = items.map((i) => i.recommendation?.reason ?? '').filter((r) => INACTIVE.test(r));
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons)
      expect(r).toMatch(
        / seen by JumpCloud in 90 days, all it keeps \(it sees only sign-ins made through JumpCloud\)$/,
      );
    expect(JSON.stringify(items)).not.toContain('200 days');
    for (const i of items) expect(i.recommendation).toEqual(expected(i, c, covered_from));
    await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token });
  });

  it('insights forbidden for the connection: no inactivity recommendation at all, the other rules still apply', async () => {
    emu.emulator.setDenied('all', ['insights.read']);
    try {
      expect((await syncNow(t, connectionId)).status).toBe('succeeded');
      await pollUntil(
        async () =>
          (await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN })).body
            .insights as string,
        (s) => s === 'forbidden',
        (s) => `insights still ${s}`,
      );
      // The activity read before stays (and items still show it); only the recommendation is withheld.
      expect(await cursor()).toBeDefined();
      const c = await launch({ inactiveDays: 1 });
      const items = await campaignItems(t, admin.token, c.id);
      expect(items.some((i) => i.group?.applications.some((a) => a.lastSignInAt !== null))).toBe(true);
      expect(items.filter((i) => INACTIVE.test(i.recommendation?.reason ?? ''))).toEqual([]);
      for (const i of items) expect(i.recommendation).toEqual(expected(i, c, null));
      await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token });
    } finally {
      emu.emulator.setDenied('all', []);
    }
    await syncAndReadActivity();
    expect(
      (await t.request('GET', `/api/v1/connections/${connectionId}`, { token: BOOTSTRAP_TOKEN })).body
        .insights,
    ).toBe('readable');
  });

  it('activity never read for the connection (no cursor): no inactivity recommendation', async () => {
    // Stands for a connection whose first activity read has not happened yet: readable, nothing read.
    await db.query(`DELETE FROM directory_activity_cursors WHERE connection_id = $1`, [connectionId]);
    const c = await launch({ inactiveDays: 1 });
    const items = await campaignItems(t, admin.token, c.id);
    expect(items.length).toBeGreaterThan(10);
    expect(items.filter((i) => INACTIVE.test(i.recommendation?.reason ?? ''))).toEqual([]);
    await t.request('POST', `/api/v1/campaigns/${c.id}/cancel`, { token: admin.token });
  });
});
