import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy, waitForGrant } from '../helpers/grants';
import { JitPicker } from '../helpers/jit';
import { createChannel, deliveries } from '../helpers/notifications';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

/**
 * Break-glass (API.md "Just-in-time additions") through the REST API against the emulator: granted at
 * once, loud on every enabled channel, reviewed afterwards in the standing campaign, never an
 * extension, at most once a day per person and group.
 */
describe('just-in-time break-glass', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let owner: TestPrincipal;
  let approver: TestPrincipal;
  let pick: JitPicker;
  const channels: string[] = [];

  const putPolicy = (groupId: string, fields: Record<string, unknown>) =>
    putRequestablePolicy(t, admin.token, groupId, [owner.id], { approverIds: [approver.id], ...fields });

  const breakGlass = (who: TestPrincipal, groupId: string, body: Record<string, unknown> = {}) =>
    t.request('POST', '/api/v1/access-requests', {
      token: who.token,
      body: { groupId, breakGlass: true, justification: 'production is down', ...body },
    });

  const requestsOf = async (groupId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM access_requests WHERE group_id = $1`, [groupId])).rows[0]
      .n as number;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 151, sizes: { users: 80, groups: 8, membershipsPerUser: 1, admins: 1, apps: 1 } },
      { env: { EXPIRY_SWEEP_SECONDS: '3600', PUBLIC_URL: 'https://jg.example.test' } },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    owner = await createPrincipal(t);
    approver = await createPrincipal(t);
    pick = new JitPicker(db, connectionId);
    channels.push(await createChannel(t, 'email', { smtpUrl: 'smtp://127.0.0.1:9', from: 'jg@example.com' }));
    channels.push(
      await createChannel(t, 'webhook', {
        url: 'http://127.0.0.1:9/hook',
        secret: 'webhook-secret-break-glass',
      }),
    );
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('refuses break-glass where the policy has none, without a justification or beyond its maximum (400, nothing made)', async () => {
    const groupId = await pick.group();
    const { principal: who } = await pick.requester(t, groupId);
    expect((await putPolicy(groupId, {})).status).toBe(200);
    const none = await breakGlass(who, groupId);
    expect([none.status, none.body.code]).toEqual([400, 'break_glass_not_allowed']);
    expect(
      (await putPolicy(groupId, { breakGlass: { enabled: false, maxDurationMinutes: 15 } })).status,
    ).toBe(200);
    const disabled = await breakGlass(who, groupId);
    expect([disabled.status, disabled.body.code]).toEqual([400, 'break_glass_not_allowed']);
    expect((await putPolicy(groupId, { breakGlass: { enabled: true, maxDurationMinutes: 15 } })).status).toBe(
      200,
    );
    const bare = await breakGlass(who, groupId, { justification: '  ' });
    expect([bare.status, bare.body.code]).toEqual([400, 'justification_required']);
    const long = await breakGlass(who, groupId, { durationMinutes: 16 });
    expect([long.status, long.body.code]).toEqual([400, 'duration_exceeds_policy']);
    // A bad policy is refused too.
    for (const bg of [
      { enabled: true },
      { enabled: true, maxDurationMinutes: 100000 },
      { enabled: 'yes', maxDurationMinutes: 5 },
    ]) {
      expect((await putPolicy(groupId, { breakGlass: bg })).status).toBe(400);
    }
    expect(await requestsOf(groupId)).toBe(0);
  });

  it('an eligible requester is granted at once; everyone is told on every channel; the owner reviews it; no second grant, no second use in 24 hours', async () => {
    const groupId = await pick.group();
    const { principal: who, ...user } = await pick.requester(t, groupId);
    expect((await putPolicy(groupId, { breakGlass: { enabled: true, maxDurationMinutes: 15 } })).status).toBe(
      200,
    );

    const used = await breakGlass(who, groupId);
    expect(used.status).toBe(201);
    expect(used.body).toMatchObject({
      status: 'approved',
      breakGlass: true,
      approvals: [],
      durationMinutes: 15,
    });
    const grant = await waitForGrant(t, BOOTSTRAP_TOKEN, used.body.grantId, 'active');
    expect(Date.parse(grant.expiresAt!) - Date.parse(grant.startsAt!)).toBe(15 * 60_000);

    // break_glass_used to every owner, approver and admin, on each enabled channel.
    const rows = await deliveries(t, `&kind=break_glass_used`);
    const sent = rows.map((r) => `${r.recipientId}.${r.channelId}`).sort();
    const expected = [owner.id, approver.id, admin.id]
      .flatMap((p) => channels.map((c) => `${p}.${c}`))
      .sort();
    expect(sent).toEqual(expect.arrayContaining(expected));

    // The after-the-fact review item, in the owner's /reviews.
    const reviews = await t.request('GET', '/api/v1/reviews?limit=500', { token: owner.token });
    const item = reviews.body.items.find(
      (i: { account: { id: string }; group: { id: string } | null }) =>
        i.account.id === user.accountId && i.group?.id === groupId,
    );
    expect(item).toMatchObject({
      campaign: { name: 'Break-glass reviews' },
      status: 'pending',
      reviewerId: owner.id,
    });

    // Never an extension of an active grant.
    const again = await breakGlass(who, groupId);
    expect([again.status, again.body.code]).toEqual([409, 'grant_active']);
    const revoked = await t.request('POST', `/api/v1/grants/${grant.id}/revoke`, {
      token: who.token,
      body: { reason: 'fixed' },
    });
    expect(revoked.status).toBe(200);
    await waitForGrant(t, BOOTSTRAP_TOKEN, grant.id, 'ended');
    // A second use within 24 hours.
    const second = await breakGlass(who, groupId);
    expect([second.status, second.body.code]).toEqual([429, 'break_glass_rate_limited']);
    expect(await requestsOf(groupId)).toBe(1);
    const audit = await db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [
      used.body.id,
    ]);
    expect(audit.rows.map((r) => r.action)).toEqual([
      'access.request.created',
      'access.request.break_glass_granted',
    ]);
  }, 120_000);

  it('refuses a requester outside the eligible groups (400 not_eligible)', async () => {
    const groupId = await pick.group();
    const other = await pick.group();
    const { principal: who } = await pick.requester(t, groupId, { notInGroups: [other] });
    expect(
      (
        await putPolicy(groupId, {
          eligibleGroupIds: [other],
          breakGlass: { enabled: true, maxDurationMinutes: 15 },
        })
      ).status,
    ).toBe(200);
    const res = await breakGlass(who, groupId);
    expect([res.status, res.body.code]).toEqual([400, 'not_eligible']);
    expect(await requestsOf(groupId)).toBe(0);
  });
});
