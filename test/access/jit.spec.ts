import { getQueueToken } from '@nestjs/bullmq';
import { type Queue } from 'bullmq';
import { type Client } from 'pg';
import { RequestExpiryService } from '../../src/access/request-expiry.service';
import { type GrantResponse } from '../../src/access/dto/access.dto';
import { GrantExpiryService } from '../../src/access/grant-expiry.service';
import { type RunningEmulator } from '../../src/emulator';
import { jobId } from '../../src/platform/queue/jobs';
import { QUEUES } from '../../src/platform/queue/queues';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { putRequestablePolicy, requestAndApprove, waitForGrant as waitForGrantAs } from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import {
  emulatorHasMember,
  groupMembers,
  localId,
  outsidersOf,
  startEmulatedOrg,
  staticGroups,
  stopEmulatedOrg,
} from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal, uniqueEmail } from '../helpers/principals';
import { withOutcomeFailingOnce } from '../helpers/provisioning';
import { pollUntil } from '../helpers/poll';

/**
 * Just-in-time access end to end (API.md "Just-in-time access"): the server with its workers, and
 * JumpCloud served by the emulator. The expiry sweep runs hourly here, so the one-minute grant is
 * removed by its delayed job; the sweep is called directly where a test stands in for a lost Redis.
 */
describe('just-in-time access against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let approver2: TestPrincipal;
  let usedGroups = 0;
  const usedUsers = new Set<string>();

  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
  const isMember = (groupExt: string, userExt: string) => emulatorHasMember(emu, groupExt, userExt);
  const removals = () => emu.emulator.stats().membership.removed;

  /** A fresh static group, a standing member of it and users outside it (each used once). */
  async function freshGroup() {
    const groups = staticGroups(emu);
    const g = groups[usedGroups++ % groups.length];
    const outsiders = outsidersOf(emu, g).filter((u) => !usedUsers.has(u.id));
    const memberUser = groupMembers(emu, g).find((u) => !usedUsers.has(u.id))!;
    usedUsers.add(memberUser.id);
    return {
      ext: g.id,
      id: await idOf('directory_groups', g.id),
      member: { ext: memberUser.id, email: memberUser.email },
      /** The next unused outsider, as a principal with its email, and its account id. */
      outsider: async (roles: ('admin' | 'auditor')[] = []) => {
        const u = outsiders.find((x) => !usedUsers.has(x.id));
        if (!u) throw new Error('no outsider left');
        usedUsers.add(u.id);
        const principal = await createPrincipal(t, { email: u.email, roles });
        return { ext: u.id, accountId: await idOf('directory_accounts', u.id), principal };
      },
    };
  }

  const putPolicy = (groupId: string, fields: Record<string, unknown>) =>
    putRequestablePolicy(t, admin.token, groupId, [approver.id], fields);

  const waitForGrant = (grantId: string, status: string, timeoutMs = 30_000) =>
    waitForGrantAs(t, BOOTSTRAP_TOKEN, grantId, status, timeoutMs);

  /** Requests as `who` and has `approver` approve: the grant, once active. */
  async function activeGrant(
    groupId: string,
    who: TestPrincipal,
    durationMinutes = 30,
  ): Promise<{ requestId: string; grant: GrantResponse }> {
    const { requestId, grantId } = await requestAndApprove(t, who, approver, groupId, durationMinutes);
    return { requestId, grant: await waitForGrant(grantId, 'active') };
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 81, sizes: { users: 80, groups: 12, membershipsPerUser: 2, admins: 3, apps: 2 } },
      { env: { EXPIRY_SWEEP_SECONDS: '3600', MAX_GRANT_MINUTES: '600' } },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await createPrincipal(t);
    approver2 = await createPrincipal(t);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('request → approve → member in JumpCloud → a one-minute grant removed at expiry, exactly once', async () => {
    const g = await freshGroup();
    expect((await putPolicy(g.id, { maxDurationMinutes: 5 })).status).toBe(200);
    const user = await g.outsider();
    const catalog = await t.request('GET', '/api/v1/catalog', { token: user.principal.token });
    expect(catalog.body.items.map((c: { group: { id: string } }) => c.group.id)).toContain(g.id);

    const before = removals();
    const { grant } = await activeGrant(g.id, user.principal, 1);
    expect(isMember(g.ext, user.ext)).toBe(true);
    const expiresAt = Date.parse(grant.expiresAt!);
    expect(expiresAt - Date.parse(grant.startsAt!)).toBe(60_000);

    // The delayed job removes the member (the sweep is hourly here, so nothing else can), never early.
    await pollUntil(
      async () => isMember(g.ext, user.ext),
      (member) => !member,
      () => 'still a member',
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    const ended = await waitForGrant(grant.id, 'ended');
    expect(ended.endReason).toBe('expired');

    // A sweep and a late duplicate of the job change nothing: one remove call in all.
    await t.app.get(GrantExpiryService).expireDueGrants();
    await t.app.get(GrantExpiryService).expireDueGrants([grant.id]);
    await new Promise((r) => setTimeout(r, 500));
    expect(removals() - before).toBe(1);
    const { rows } = await db.query(
      `SELECT action, status FROM provisioning_operations WHERE source_id = $1 ORDER BY created_at`,
      [grant.id],
    );
    expect(rows).toEqual([
      { action: 'add_member', status: 'succeeded' },
      { action: 'remove_member', status: 'succeeded' },
    ]);
    const events = await db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [
      grant.id,
    ]);
    expect(events.rows.map((r) => r.action)).toEqual([
      'access.grant.created',
      'access.grant.activated',
      'access.grant.expired',
      'access.grant.ended',
    ]);
  }, 120_000);

  it('refuses approval by the requester, the beneficiary and non-approvers, admins included (403)', async () => {
    const g = await freshGroup();
    const requesterAdmin = await g.outsider(['admin']);
    const beneficiary = await g.outsider();
    const policy = await putPolicy(g.id, {
      ownerIds: [approver.id, requesterAdmin.principal.id],
      approverIds: [approver.id, requesterAdmin.principal.id, beneficiary.principal.id],
    });
    expect(policy.status).toBe(200);

    // An admin approver requesting for itself may not approve it.
    const own = await t.request('POST', '/api/v1/access-requests', {
      token: requesterAdmin.principal.token,
      body: { groupId: g.id },
    });
    expect(own.status).toBe(201);
    const selfApprove = await t.request('POST', `/api/v1/access-requests/${own.body.id}/approve`, {
      token: requesterAdmin.principal.token,
      body: {},
    });
    expect(selfApprove.status).toBe(403);

    // An owner requests for another account: neither the owner nor the beneficiary may approve.
    const forOther = await t.request('POST', '/api/v1/access-requests', {
      token: requesterAdmin.principal.token,
      body: { groupId: g.id, accountId: beneficiary.accountId },
    });
    expect(forOther.status).toBe(201);
    for (const who of [requesterAdmin.principal, beneficiary.principal]) {
      const res = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/approve`, {
        token: who.token,
        body: {},
      });
      expect(res.status).toBe(403);
    }
    // A non-approver, even an admin, may neither approve nor deny.
    for (const path of ['approve', 'deny']) {
      const res = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/${path}`, {
        token: admin.token,
        body: { comment: 'no' },
      });
      expect(res.status).toBe(403);
    }
    // Nothing changed: both still pending, no grant, no operation.
    const { rows } = await db.query(
      `SELECT status, grant_id FROM access_requests WHERE id = ANY($1::uuid[])`,
      [[own.body.id, forOther.body.id]],
    );
    expect(rows).toEqual([
      { status: 'pending', grant_id: null },
      { status: 'pending', grant_id: null },
    ]);
    expect(
      (
        await db.query(`SELECT 1 FROM access_request_approvals WHERE request_id = ANY($1::uuid[])`, [
          [own.body.id, forOther.body.id],
        ])
      ).rowCount,
    ).toBe(0);

    // The plain approver may; a plain principal who is neither may not even read it.
    const stranger = await createPrincipal(t);
    expect(
      (await t.request('GET', `/api/v1/access-requests/${forOther.body.id}`, { token: stranger.token }))
        .status,
    ).toBe(403);
    const ok = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/approve`, {
      token: approver.token,
      body: { comment: 'fine' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.approvals).toEqual([
      expect.objectContaining({ approverId: approver.id, decision: 'approve', comment: 'fine' }),
    ]);
    // A decided request answers 409 to further decisions and to cancel.
    const again = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/deny`, {
      token: approver2.token,
      body: { comment: 'late' },
    });
    expect(again.status).toBe(403); // approver2 is not an approver of this group
    const cancel = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/cancel`, {
      token: requesterAdmin.principal.token,
    });
    expect(cancel.status).toBe(409);
    await waitForGrant(ok.body.grantId, 'active');
  });

  it('answers bad input with 400 and its code, conflicts with 409, and creates nothing', async () => {
    const g = await freshGroup();
    const other = await freshGroup();
    const user = await g.outsider();
    const count = async () => Number((await db.query(`SELECT count(*) AS n FROM access_requests`)).rows[0].n);
    const ask = (who: TestPrincipal, body: Record<string, unknown>) =>
      t.request('POST', '/api/v1/access-requests', { token: who.token, body });

    // Policies: a dynamic group, a duration over MAX_GRANT_MINUTES, more approvals than approvers.
    const dynamic = await freshGroup();
    await db.query(`UPDATE directory_groups SET membership_method = 'DYNAMIC_AUTOMATED' WHERE id = $1`, [
      dynamic.id,
    ]);
    const dyn = await putPolicy(dynamic.id, {});
    expect({ status: dyn.status, code: dyn.body.code }).toEqual({ status: 400, code: 'dynamic_group' });
    expect((await putPolicy(dynamic.id, { requestable: false })).status).toBe(200);
    expect((await putPolicy(g.id, { maxDurationMinutes: 601 })).status).toBe(400);
    expect((await putPolicy(g.id, { approvalsRequired: 2 })).status).toBe(400);
    expect((await putPolicy(g.id, { unknown: 1 })).status).toBe(400);
    expect(
      (
        await t.request('PUT', `/api/v1/groups/${g.id}/policy`, {
          token: approver.token,
          body: { ownerIds: [], requestable: false, maxDurationMinutes: 5, requireJustification: false },
        })
      ).status,
    ).toBe(403);
    const unset = await t.request('GET', `/api/v1/groups/${g.id}/policy`, { token: user.principal.token });
    expect(unset.body.requestable).toBe(false);

    const before = await count();
    const codes = async (who: TestPrincipal, body: Record<string, unknown>) => {
      const res = await ask(who, body);
      return [res.status, res.body.code];
    };
    expect(await codes(user.principal, { groupId: g.id })).toEqual([400, 'not_requestable']);
    expect((await putPolicy(g.id, { maxDurationMinutes: 30, requireJustification: true })).status).toBe(200);
    expect(await codes(user.principal, { groupId: g.id, durationMinutes: 31, justification: 'x' })).toEqual([
      400,
      'duration_exceeds_policy',
    ]);
    expect(await codes(user.principal, { groupId: g.id, justification: '  ' })).toEqual([
      400,
      'justification_required',
    ]);
    const nobody = await createPrincipal(t, { email: uniqueEmail('nobody') });
    expect(await codes(nobody, { groupId: g.id, justification: 'x' })).toEqual([400, 'no_account']);
    expect(
      (await ask(user.principal, { groupId: g.id, justification: 'x', durationMinutes: 0 })).status,
    ).toBe(400);
    // Eligibility: only members of another group may ask.
    expect(
      (await putPolicy(g.id, { eligibleGroupIds: [other.id], requireJustification: false })).status,
    ).toBe(200);
    expect(await codes(user.principal, { groupId: g.id })).toEqual([400, 'not_eligible']);
    const catalog = await t.request('GET', '/api/v1/catalog', { token: user.principal.token });
    expect(catalog.body.items.map((c: { group: { id: string } }) => c.group.id)).not.toContain(g.id);
    // Asking for someone else: admins and owners only.
    expect(
      (
        await ask(user.principal, {
          groupId: g.id,
          accountId: await idOf('directory_accounts', g.member.ext),
        })
      ).status,
    ).toBe(403);
    expect(await count()).toBe(before);

    // 409: a standing member, then a second pending request.
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const member = await createPrincipal(t, { email: g.member.email.toUpperCase() });
    expect(await codes(member, { groupId: g.id })).toEqual([409, 'already_member']);
    expect((await ask(user.principal, { groupId: g.id })).status).toBe(201);
    expect(await codes(user.principal, { groupId: g.id })).toEqual([409, 'request_pending']);
    expect(await count()).toBe(before + 1);
  });

  it('needs approvalsRequired distinct approvals; auto-approves self-requests only', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect(
      (await putPolicy(g.id, { approverIds: [approver.id, approver2.id], approvalsRequired: 2 })).status,
    ).toBe(200);
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: user.principal.token,
      body: { groupId: g.id },
    });
    const first = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect([first.status, first.body.status, first.body.grantId]).toEqual([200, 'pending', null]);
    const twice = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(twice.status).toBe(409);
    const second = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver2.token,
      body: {},
    });
    expect([second.status, second.body.status]).toEqual([200, 'approved']);
    await waitForGrant(second.body.grantId, 'active');

    const h = await freshGroup();
    const self = await h.outsider();
    const other = await h.outsider();
    expect((await putPolicy(h.id, { autoApprove: true })).status).toBe(200);
    const auto = await t.request('POST', '/api/v1/access-requests', {
      token: self.principal.token,
      body: { groupId: h.id },
    });
    expect([auto.status, auto.body.status]).toEqual([201, 'approved']);
    // For another account (by an admin) it waits for an approver.
    const forOther = await t.request('POST', '/api/v1/access-requests', {
      token: admin.token,
      body: { groupId: h.id, accountId: other.accountId },
    });
    expect([forOther.status, forOther.body.status]).toEqual([201, 'pending']);
    const cancel = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/cancel`, {
      token: other.principal.token,
    });
    expect(cancel.status).toBe(403);
    const cancelled = await t.request('POST', `/api/v1/access-requests/${forOther.body.id}/cancel`, {
      token: admin.token,
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    await waitForGrant(auto.body.grantId, 'active');

    // Scopes: the approver sees them to approve, the requester as its own.
    const toApprove = await t.request('GET', '/api/v1/access-requests?scope=to_approve', {
      token: approver2.token,
    });
    expect(toApprove.body.items.map((r: { id: string }) => r.id)).toContain(req.body.id);
    const mine = await t.request('GET', '/api/v1/access-requests?scope=mine', {
      token: user.principal.token,
    });
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([req.body.id]);
    const stranger = await createPrincipal(t);
    const none = await t.request('GET', '/api/v1/access-requests', { token: stranger.token });
    expect(none.body.items).toEqual([]);
    const grants = await t.request('GET', '/api/v1/grants', { token: stranger.token });
    expect(grants.body.items).toEqual([]);
  });

  it('extends an active grant: a new approved request moves expiresAt and the delayed job', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const { grant } = await activeGrant(g.id, user.principal, 5);
    const queue = t.app.get<Queue>(getQueueToken(QUEUES.grantExpiry));
    const due = async () => {
      const job = await queue.getJob(jobId({ name: 'expire', data: { grantId: grant.id } }));
      return job ? job.timestamp + (job.opts.delay ?? 0) : null;
    };
    expect(Math.abs((await due())! - Date.parse(grant.expiresAt!))).toBeLessThan(1000);

    const ext = await t.request('POST', '/api/v1/access-requests', {
      token: user.principal.token,
      body: { groupId: g.id, durationMinutes: 45 },
    });
    expect(ext.status).toBe(201);
    const ok = await t.request('POST', `/api/v1/access-requests/${ext.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect([ok.status, ok.body.grantId]).toEqual([200, grant.id]);
    const moved = await waitForGrant(grant.id, 'active');
    expect(Date.parse(moved.expiresAt!)).toBeGreaterThan(Date.parse(grant.expiresAt!) + 39 * 60_000);
    expect(Math.abs((await due())! - Date.parse(moved.expiresAt!))).toBeLessThan(1000);
    // Still one grant and one add call for the membership.
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM access_grants WHERE account_id = $1`, [
      user.accountId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('revokes a grant early: the beneficiary may, a stranger may not', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const { grant } = await activeGrant(g.id, user.principal);
    const stranger = await createPrincipal(t);
    const refused = await t.request('POST', `/api/v1/grants/${grant.id}/revoke`, {
      token: stranger.token,
      body: { reason: 'no' },
    });
    expect(refused.status).toBe(403);
    const res = await t.request('POST', `/api/v1/grants/${grant.id}/revoke`, {
      token: user.principal.token,
      body: { reason: 'done early' },
    });
    expect([res.status, res.body.status]).toEqual([200, 'revoking']);
    const ended = await waitForGrant(grant.id, 'ended');
    expect(ended.endReason).toBe('revoked');
    expect(isMember(g.ext, user.ext)).toBe(false);
    const again = await t.request('POST', `/api/v1/grants/${grant.id}/revoke`, {
      token: admin.token,
      body: { reason: 'again' },
    });
    expect(again.status).toBe(409);
  });

  // Replaces the test of the reconcile tick (outcomes whose settled events were lost): the outcome is
  // now applied inside the settling transaction, so there is no event to lose.
  it('applies a grant outcome inside the settling transaction: a failing outcome rolls the settlement back and the retry settles it again', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const { grant } = await activeGrant(g.id, user.principal);
    await withOutcomeFailingOnce(t, 'grant', async (failed) => {
      const removalsBefore = removals();
      const res = await t.request('POST', `/api/v1/grants/${grant.id}/revoke`, {
        token: user.principal.token,
        body: { reason: 'done' },
      });
      expect(res.status).toBe(200);
      expect((await waitForGrant(grant.id, 'ended')).endReason).toBe('revoked');
      expect(failed).toHaveLength(1);
      // The failed settlement left nothing behind: the removal settled once, with its outcome.
      const { rows } = await db.query(
        `SELECT o.status, (SELECT count(*)::int FROM audit_events a
           WHERE a.target_id = o.id::text AND a.action LIKE 'provisioning.operation.%') AS settled
         FROM provisioning_operations o WHERE o.id = $1`,
        [failed[0]],
      );
      expect(rows).toEqual([{ status: 'succeeded', settled: 1 }]);
      expect(removals() - removalsBefore).toBe(1);
      expect(isMember(g.ext, user.ext)).toBe(false);
    });
  });

  it('revokes a grant past expiry by the sweep after a Redis flush lost its delayed job', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const { grant } = await activeGrant(g.id, user.principal);
    await flushTestRedis(t.redisUrl);
    await db.query(`UPDATE access_grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      grant.id,
    ]);
    const before = removals();
    expect(await t.app.get(GrantExpiryService).expireDueGrants()).toBeGreaterThanOrEqual(1);
    const ended = await waitForGrant(grant.id, 'ended');
    expect(ended.endReason).toBe('expired');
    expect(isMember(g.ext, user.ext)).toBe(false);
    expect(removals() - before).toBe(1);
  });

  it('ends a grant with removed_outside when a sync shows the membership gone', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const { grant } = await activeGrant(g.id, user.principal);
    expect(emu.emulator.externalRemoveMember(g.ext, user.ext)).toBe(true);
    await syncNow(t, connectionId);
    const ended = await waitForGrant(grant.id, 'ended');
    expect(ended.endReason).toBe('removed_outside');
    // The expiry later finds nothing to remove.
    const before = removals();
    await db.query(`UPDATE access_grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      grant.id,
    ]);
    await t.app.get(GrantExpiryService).expireDueGrants();
    expect(removals()).toBe(before);
  });

  it('ends a grant failed, with why, when JumpCloud refuses the add', async () => {
    const g = await freshGroup();
    const user = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    emu.emulator.setDenied('all', ['groups.write']);
    try {
      const req = await t.request('POST', '/api/v1/access-requests', {
        token: user.principal.token,
        body: { groupId: g.id },
      });
      const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
        token: approver.token,
        body: {},
      });
      const failed = await waitForGrant(ok.body.grantId, 'failed');
      expect(failed).toMatchObject({
        expiresAt: null,
        failureReason: expect.stringMatching(/missing_permission/),
      });
      expect(isMember(g.ext, user.ext)).toBe(false);
    } finally {
      emu.emulator.setDenied('all', []);
    }
  });

  it('expires requests nobody decided within 72 hours, and keeps younger ones', async () => {
    const g = await freshGroup();
    const old = await g.outsider();
    const young = await g.outsider();
    expect((await putPolicy(g.id, {})).status).toBe(200);
    const ask = async (who: TestPrincipal) =>
      (await t.request('POST', '/api/v1/access-requests', { token: who.token, body: { groupId: g.id } })).body
        .id as string;
    const [a, b] = [await ask(old.principal), await ask(young.principal)];
    // Made 72 hours ago and a minute more, and a minute less: expiresAt is creation + requestTtlHours (72).
    const rows = await db.query(
      `SELECT id, expires_at - created_at AS ttl FROM access_requests WHERE id = $1`,
      [a],
    );
    expect(rows.rows[0].ttl).toMatchObject({ days: 3 });
    await db.query(
      `UPDATE access_requests SET created_at = now() - interval '72 hours 1 minute', expires_at = now() - interval '1 minute' WHERE id = $1`,
      [a],
    );
    await db.query(
      `UPDATE access_requests SET created_at = now() - interval '71 hours 59 minutes', expires_at = now() + interval '1 minute' WHERE id = $1`,
      [b],
    );
    expect(await t.app.get(RequestExpiryService).expireStaleRequests()).toBeGreaterThanOrEqual(1);
    const status = async (id: string) =>
      (await t.request('GET', `/api/v1/access-requests/${id}`, { token: BOOTSTRAP_TOKEN })).body
        .status as string;
    expect([await status(a), await status(b)]).toEqual(['expired', 'pending']);
    const approve = await t.request('POST', `/api/v1/access-requests/${a}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(approve.status).toBe(409);
  });

  it('refuses to delete a connection with live grants (409)', async () => {
    const res = await t.request('DELETE', `/api/v1/connections/${connectionId}`, { token: admin.token });
    expect([res.status, res.body.message]).toEqual([409, expect.stringMatching(/active grant/)]);
  });
});
