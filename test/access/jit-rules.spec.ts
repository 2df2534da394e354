import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy, waitForGrant } from '../helpers/grants';
import { JitPicker } from '../helpers/jit';
import { createChannel, deliveries } from '../helpers/notifications';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

/**
 * Auto-approve rules and the request TTL (API.md "Just-in-time additions") through the REST API against
 * the emulator; the request-expiry tick runs every second here (EXPIRY_SWEEP_SECONDS=1).
 */
describe('just-in-time auto-approve rules and request TTL', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let owner: TestPrincipal;
  let pick: JitPicker;

  const putPolicy = (groupId: string, fields: Record<string, unknown>) =>
    putRequestablePolicy(t, admin.token, groupId, [owner.id], fields);

  const request = (who: TestPrincipal, body: Record<string, unknown>) =>
    t.request('POST', '/api/v1/access-requests', { token: who.token, body });

  /** A fresh requester (a principal of an unused user outside the group). */
  async function requester(
    groupId: string,
    where?: (dept: string | null) => boolean,
    notInGroups: string[] = [],
  ) {
    const { user } = await pick.person(
      groupId,
      'any',
      where ? (p) => where(p.department) : undefined,
      notInGroups,
    );
    return { ...user, principal: await createPrincipal(t, { email: user.email }) };
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 131, sizes: { users: 150, groups: 10, membershipsPerUser: 1, admins: 2, apps: 1 } },
      { env: { EXPIRY_SWEEP_SECONDS: '1' } },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    owner = await createPrincipal(t);
    pick = new JitPicker(db, connectionId);
    await createChannel(t, 'email', { smtpUrl: 'smtp://127.0.0.1:9', from: 'jumpgate@example.com' });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('a request matching a department rule is approved by it (the approval names the rule); one that does not waits', async () => {
    const groupId = await pick.group();
    const match = await requester(groupId, (d) => d !== null);
    const other = await requester(groupId, (d) => d !== null && d !== match.department);
    const policy = await putPolicy(groupId, {
      autoApproveRules: [
        { departments: ['no-such-department'], maxDurationMinutes: 60 },
        { departments: [match.department!.toUpperCase()], maxDurationMinutes: 20 },
      ],
    });
    expect(policy.status).toBe(200);
    expect(policy.body.autoApproveRules).toHaveLength(2);

    // Too long for the rule: waits for an approver.
    const tooLong = await request(match.principal, { groupId, durationMinutes: 30 });
    expect(tooLong.status).toBe(201);
    expect(tooLong.body).toMatchObject({ status: 'pending', approvals: [], grantId: null });
    expect(
      (
        await t.request('POST', `/api/v1/access-requests/${tooLong.body.id}/cancel`, {
          token: match.principal.token,
        })
      ).status,
    ).toBe(200);

    const ok = await request(match.principal, { groupId, durationMinutes: 20 });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('approved');
    expect(ok.body.approvals).toEqual([
      {
        approverId: null,
        decision: 'approve',
        step: null,
        rule: 1,
        comment: 'approved by auto-approve rule 1',
        at: expect.any(String),
      },
    ]);
    const grant = await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'active');
    // The grant's clock starts when JumpCloud confirmed the membership, and the request shows it.
    const after = (
      await t.request('GET', `/api/v1/access-requests/${ok.body.id}`, { token: match.principal.token })
    ).body;
    expect(after.grant).toMatchObject({
      status: 'active',
      startsAt: grant.startsAt,
      expiresAt: grant.expiresAt,
    });
    expect(Date.parse(grant.expiresAt!) - Date.parse(grant.startsAt!)).toBe(20 * 60_000);
    expect(Date.parse(grant.startsAt!)).toBeGreaterThanOrEqual(Date.parse(ok.body.decidedAt));

    const notMatching = await request(other.principal, { groupId, durationMinutes: 10 });
    expect(notMatching.status).toBe(201);
    expect(notMatching.body).toMatchObject({
      status: 'pending',
      approvals: [],
      eligibleApprovers: [{ id: owner.id }],
    });
    const { rows } = await db.query(
      `SELECT action, data FROM audit_events WHERE target_id = $1 AND action = 'access.request.auto_approved'`,
      [ok.body.id],
    );
    expect(rows).toMatchObject([{ data: { rule: 1 } }]);
  }, 120_000);

  it('a group rule matches members of the group; for someone else only a forOthers rule; the older autoApprove is the last rule', async () => {
    const groupId = await pick.group();
    const { rows } = await db.query(
      `SELECT m.group_id, a.email FROM directory_memberships m JOIN directory_accounts a ON a.id = m.account_id
       WHERE a.connection_id = $1 AND m.removed_at IS NULL AND m.group_id <> $2 AND a.state = 'ACTIVATED'
         AND a.kind = 'user' AND NOT EXISTS (SELECT 1 FROM principals p WHERE lower(p.email) = lower(a.email))
         AND NOT EXISTS (SELECT 1 FROM directory_memberships x WHERE x.group_id = $2 AND x.account_id = a.id AND x.removed_at IS NULL)
       ORDER BY a.external_id DESC LIMIT 1`,
      [connectionId, groupId],
    );
    const inGroup = await createPrincipal(t, { email: rows[0].email });
    const viaGroup = rows[0].group_id as string;
    const outsider = await requester(groupId, undefined, [viaGroup]);
    const beneficiary = await requester(groupId);

    expect(
      (
        await putPolicy(groupId, {
          autoApproveRules: [{ requesterInGroupIds: [viaGroup], maxDurationMinutes: 60 }],
        })
      ).status,
    ).toBe(200);
    const member = await request(inGroup, { groupId });
    expect(member.body).toMatchObject({ status: 'approved', approvals: [{ rule: 0 }] });
    const notMember = await request(outsider.principal, { groupId });
    expect(notMember.body).toMatchObject({ status: 'pending', approvals: [] });

    // The owner asks for someone else: a rule without forOthers does not apply, one with it does.
    expect(
      (
        await putPolicy(groupId, {
          ownerIds: [owner.id, inGroup.id],
          autoApproveRules: [{ requesterInGroupIds: [viaGroup], maxDurationMinutes: 60 }],
        })
      ).status,
    ).toBe(200);
    const forOther = await request(inGroup, { groupId, accountId: beneficiary.accountId });
    expect(forOther.body).toMatchObject({ status: 'pending', approvals: [] });
    await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/cancel`, { token: inGroup.token });
    expect(
      (
        await putPolicy(groupId, {
          ownerIds: [owner.id, inGroup.id],
          autoApproveRules: [{ requesterInGroupIds: [viaGroup], maxDurationMinutes: 60, forOthers: true }],
        })
      ).status,
    ).toBe(200);
    const forOtherOk = await request(inGroup, { groupId, accountId: beneficiary.accountId });
    expect(forOtherOk.body).toMatchObject({ status: 'approved', approvals: [{ rule: 0 }] });

    // autoApprove: true is one rule with no conditions for self-requests, after the others.
    const legacyGroup = await pick.group();
    const self = await requester(legacyGroup);
    expect(
      (
        await putPolicy(legacyGroup, {
          autoApprove: true,
          autoApproveRules: [{ departments: ['no-such-department'], maxDurationMinutes: 60 }],
        })
      ).status,
    ).toBe(200);
    const legacy = await request(self.principal, { groupId: legacyGroup });
    expect(legacy.body).toMatchObject({ status: 'approved', approvals: [{ rule: 1 }] });
  }, 120_000);

  it('refuses bad rules and TTLs with 400 and keeps the policy', async () => {
    const groupId = await pick.group();
    expect((await putPolicy(groupId, {})).status).toBe(200);
    const before = (await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token })).body;
    expect(before).toMatchObject({ autoApproveRules: [], requestTtlHours: 72 });
    for (const body of [
      { autoApproveRules: [{ maxDurationMinutes: 61 }] },
      { autoApproveRules: [{}] },
      { autoApproveRules: [{ maxDurationMinutes: 10, requesterInGroupIds: ['nope'] }] },
      {
        autoApproveRules: [
          { maxDurationMinutes: 10, requesterInGroupIds: ['00000000-0000-4000-8000-000000000000'] },
        ],
      },
      { autoApproveRules: [{ maxDurationMinutes: 10, forOthers: 'yes' }] },
      { autoApproveRules: [{ maxDurationMinutes: 10, colour: 'red' }] },
      { requestTtlHours: 0 },
      { requestTtlHours: -1 },
      { requestTtlHours: 'soon' },
    ]) {
      const res = await putPolicy(groupId, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token })).body).toEqual(
      before,
    );
  });

  it('a pending request expires after requestTtlHours (fractions allowed), tells the requester, and cannot be approved', async () => {
    const groupId = await pick.group();
    const policy = await putPolicy(groupId, { requestTtlHours: 0.001 });
    expect(policy.body.requestTtlHours).toBe(0.001);
    const who = await requester(groupId);
    const req = await request(who.principal, { groupId });
    expect(req.status).toBe(201);
    expect(Date.parse(req.body.expiresAt) - Date.parse(req.body.createdAt)).toBeCloseTo(3600, -1);
    // The policy's 3.6 s drives the time; the bound is generous because the test asserts what happens
    // (expired by the tick, never before expiresAt, told once), not how fast on a loaded machine.
    const expired = await pollUntil(
      async () =>
        (await t.request('GET', `/api/v1/access-requests/${req.body.id}`, { token: who.principal.token }))
          .body,
      (r) => r.status !== 'pending',
      (r) => `still pending: ${JSON.stringify(r)}`,
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(expired.status).toBe('expired');
    expect(Date.parse(expired.decidedAt)).toBeGreaterThanOrEqual(Date.parse(req.body.expiresAt));
    expect(await deliveries(t, `&kind=request_decided&recipientId=${who.principal.id}`)).toHaveLength(1);
    const late = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: owner.token,
      body: {},
    });
    expect(late.status).toBe(409);
  }, 180_000);
});
