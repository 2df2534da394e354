import { createHash } from 'node:crypto';
import { type Client } from 'pg';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { startApp, type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign } from '../helpers/campaigns';
import { putRequestablePolicy } from '../helpers/grants';
import { emulatorEnv } from '../helpers/jumpcloud';
import { localId, outsidersOf, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal, uniqueEmail } from '../helpers/principals';

/**
 * The bootstrap principal (API.md "Who may call what"): it administers jumpgate and mints tokens for
 * others, but never holds a token of its own, never decides, approves, denies or reassigns, stops
 * authenticating when BOOTSTRAP_ADMIN_TOKEN is unset, and may be disabled.
 */
describe('the bootstrap admin', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let bootstrapId: string;

  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 1401,
      sizes: { users: 30, groups: 6, membershipsPerUser: 3, admins: 2, apps: 2 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    bootstrapId = (await t.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN })).body.id as string;
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('has no token minted for it, by itself or by another admin, but mints for others', async () => {
    const own = await t.request('POST', '/api/v1/me/tokens', { token: BOOTSTRAP_TOKEN, body: { name: 'x' } });
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({ statusCode: 403, code: 'bootstrap_cannot_act' });
    for (const token of [BOOTSTRAP_TOKEN, admin.token]) {
      const res = await t.request('POST', `/api/v1/principals/${bootstrapId}/tokens`, {
        token,
        body: { name: 'x' },
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('bootstrap_cannot_act');
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM api_tokens WHERE principal_id = $1`, [
      bootstrapId,
    ]);
    expect(rows[0].n).toBe(0);

    // How a new installation gets its first real admin: a (service) principal and a token for it.
    const service = await t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: uniqueEmail('first-admin'), roles: ['admin'] },
    });
    expect(service.status).toBe(201);
    const minted = await t.request('POST', `/api/v1/principals/${service.body.id}/tokens`, {
      token: BOOTSTRAP_TOKEN,
      body: { name: 'first' },
    });
    expect(minted.status).toBe(201);
    expect((await t.request('GET', '/api/v1/me', { token: minted.body.token })).status).toBe(200);
  });

  it("is refused as a campaign's named or fallback reviewer (403 bootstrap_cannot_act), and nothing is created", async () => {
    const group = emu.emulator.store.groups.find((g) => !g.deleted && g.size >= 2)!;
    const groupId = await idOf('directory_groups', group.id);
    const before = await db.query(`SELECT count(*)::int AS n FROM campaigns`);
    for (const [field, body] of [
      [
        'reviewerIds',
        campaignBody(connectionId, admin.id, {
          scope: { groupIds: [groupId] },
          reviewerIds: [admin.id, bootstrapId],
        }),
      ],
      [
        'fallbackReviewerIds',
        campaignBody(connectionId, bootstrapId, { scope: { groupIds: [groupId] }, reviewerIds: [admin.id] }),
      ],
    ] as const) {
      const res = await t.request('POST', '/api/v1/campaigns', { token: admin.token, body });
      expect([res.status, res.body.code]).toEqual([403, 'bootstrap_cannot_act']);
      expect(res.body.message).toContain(field);
    }
    const after = await db.query(`SELECT count(*)::int AS n FROM campaigns`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('never decides or reassigns a review item, even one assigned to it', async () => {
    const group = emu.emulator.store.groups.find((g) => !g.deleted && g.size >= 2)!;
    const groupId = await idOf('directory_groups', group.id);
    const { id: campaignId } = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, {
        name: 'bootstrap review',
        scope: { groupIds: [groupId] },
        reviewerIds: [admin.id],
        autoRemediate: false,
      }),
    );
    // A campaign can no longer name the bootstrap (above): its items as one created before that rule left them.
    await db.query(`UPDATE review_items SET reviewer_id = $2 WHERE campaign_id = $1`, [
      campaignId,
      bootstrapId,
    ]);
    const items = (await t.request('GET', `/api/v1/campaigns/${campaignId}/items`, { token: admin.token }))
      .body.items as ReviewItemResponse[];
    const mine = items.filter((i) => i.reviewerId === bootstrapId);
    expect(mine.length).toBeGreaterThan(0);
    const item = mine[0];

    const decide = await t.request('POST', `/api/v1/review-items/${item.id}/decision`, {
      token: BOOTSTRAP_TOKEN,
      body: { decision: 'keep' },
    });
    expect(decide.status).toBe(403);
    expect(decide.body.code).toBe('bootstrap_cannot_act');
    const bulk = await t.request('POST', '/api/v1/reviews/decisions', {
      token: BOOTSTRAP_TOKEN,
      body: { decisions: mine.map((i) => ({ itemId: i.id, decision: 'keep' })) },
    });
    expect(bulk.status).toBe(403);
    expect(bulk.body.code).toBe('bootstrap_cannot_act');
    const reassign = await t.request('POST', `/api/v1/review-items/${item.id}/reassign`, {
      token: BOOTSTRAP_TOKEN,
      body: { reviewerId: admin.id, reason: 'not mine' },
    });
    expect(reassign.status).toBe(403);
    expect(reassign.body.code).toBe('bootstrap_cannot_act');

    const after = await db.query(
      `SELECT status, decision, reviewer_id FROM review_items WHERE campaign_id = $1 AND reviewer_id = $2`,
      [campaignId, bootstrapId],
    );
    expect(after.rows).toHaveLength(mine.length);
    for (const r of after.rows) expect(r).toMatchObject({ status: 'pending', decision: null });

    // An admin hands the item on to a real reviewer, but never to the bootstrap.
    const handOn = await t.request('POST', `/api/v1/review-items/${item.id}/reassign`, {
      token: admin.token,
      body: { reviewerId: admin.id, reason: 'the bootstrap never reviews' },
    });
    expect(handOn.status).toBe(200);
    const back = await t.request('POST', `/api/v1/review-items/${item.id}/reassign`, {
      token: admin.token,
      body: { reviewerId: bootstrapId, reason: 'try' },
    });
    expect(back.status).toBe(403);
    expect(back.body.code).toBe('bootstrap_cannot_act');
  });

  it('never approves or denies a request, even as a named approver', async () => {
    const group = emu.emulator.store.groups.find(
      (g) => !g.deleted && g.membershipMethod !== 'DYNAMIC_AUTOMATED' && g.size > 0,
    )!;
    const groupId = await idOf('directory_groups', group.id);
    const policy = await putRequestablePolicy(t, admin.token, groupId, [bootstrapId]);
    expect(policy.status).toBe(200);
    const outsider = outsidersOf(emu, group)[0];
    const requester = await createPrincipal(t, { email: outsider.email });
    const request = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 30 },
    });
    expect(request.status).toBe(201);
    for (const action of ['approve', 'deny']) {
      const res = await t.request('POST', `/api/v1/access-requests/${request.body.id}/${action}`, {
        token: BOOTSTRAP_TOKEN,
        body: { comment: 'as bootstrap' },
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('bootstrap_cannot_act');
    }
    const still = await t.request('GET', `/api/v1/access-requests/${request.body.id}`, {
      token: admin.token,
    });
    expect(still.body).toMatchObject({ status: 'pending', approvals: [] });
  });

  it('stops authenticating once BOOTSTRAP_ADMIN_TOKEN is unset, even with a token left from before', async () => {
    // A token for the bootstrap from before the rule (written as the server would have stored it).
    const legacy = `jgt_${'L'.repeat(43)}`;
    await db.query(
      `INSERT INTO api_tokens (principal_id, name, prefix, token_hash, expires_at)
       VALUES ($1, 'legacy', $2, $3, now() + interval '1 day')`,
      [bootstrapId, legacy.slice(0, 12), createHash('sha256').update(legacy).digest()],
    );
    expect((await t.request('GET', '/api/v1/me', { token: legacy })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN })).status).toBe(200);

    // A restart of the server without the variable, on the same database.
    const env = emulatorEnv(emu);
    delete (env as Record<string, string | undefined>).BOOTSTRAP_ADMIN_TOKEN;
    const restarted = await startApp(env, { databaseUrl: t.databaseUrl });
    try {
      const me = await restarted.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN });
      expect(me.status).toBe(401);
      expect((await restarted.request('GET', '/api/v1/me', { token: legacy })).status).toBe(401);
      expect((await restarted.request('GET', '/api/v1/me', { token: admin.token })).status).toBe(200);
    } finally {
      await restarted.close();
    }
  });

  it('may be disabled: its token then gets 401, and it stays disabled across a restart', async () => {
    // Another app on the same database, so that this test's disabling does not reach the others'.
    const other = await startApp(emulatorEnv(emu), { databaseUrl: t.databaseUrl });
    try {
      const off = await other.request('PATCH', `/api/v1/principals/${bootstrapId}`, {
        token: admin.token,
        body: { disabled: true },
      });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ email: 'bootstrap-admin', disabled: true });
      expect((await other.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN })).status).toBe(401);
      const roles = await other.request('PATCH', `/api/v1/principals/${bootstrapId}`, {
        token: admin.token,
        body: { roles: [] },
      });
      expect(roles.status).toBe(409);
    } finally {
      await other.close();
    }
    const again = await startApp(emulatorEnv(emu), { databaseUrl: t.databaseUrl });
    try {
      expect((await again.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN })).status).toBe(401);
    } finally {
      await again.close();
    }
  });
});
