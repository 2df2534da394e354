import { type Client } from 'pg';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { GrantExpiryService } from '../../src/access/grant-expiry.service';
import { type RunningEmulator } from '../../src/emulator';
import { ProvisioningService } from '../../src/provisioning/provisioning.service';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import {
  findGrant,
  putRequestablePolicy,
  requestAndApprove as approvedRequest,
  waitForGrant as waitForGrantAs,
} from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import {
  emulatorHasMember,
  localId,
  outsidersOf,
  startEmulatedOrg,
  staticGroups,
  stopEmulatedOrg,
} from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { sleep } from '../helpers/poll';
import { type Operation, waitForOps, withOutcomeFailingOnce } from '../helpers/provisioning';

/**
 * A grant never removes standing access, and retrying never leaves access nobody tracks (issue 14
 * parts 1 and 2; API.md "Just-in-time access"; ARCHITECTURE.md rules 2 and 3): the server with its
 * workers, JumpCloud served by the emulator with injected faults. Every test checks what the
 * emulator holds at the end.
 */
describe('grants against standing access and retries', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let auditor: TestPrincipal;
  let usedGroups = 0;
  const usedUsers = new Set<string>();
  // Short enough that a hung request times out quickly; the retries wait long enough to see it land.
  const TIMEOUT_MS = 1500;

  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
  const isMember = (groupExt: string, userExt: string) => emulatorHasMember(emu, groupExt, userExt);
  const membership = () => emu.emulator.stats().membership;

  /** A fresh static group with a policy (approver approves) and an unused outsider with a principal. */
  async function setup() {
    const g = staticGroups(emu)[usedGroups++];
    if (!g) throw new Error('no fresh group left');
    const u = outsidersOf(emu, g).find((x) => !usedUsers.has(x.id))!;
    usedUsers.add(u.id);
    const groupId = await idOf('directory_groups', g.id);
    const policy = await putRequestablePolicy(t, admin.token, groupId, [approver.id]);
    expect(policy.status).toBe(200);
    return {
      groupExt: g.id,
      groupId,
      userExt: u.id,
      accountId: await idOf('directory_accounts', u.id),
      principal: await createPrincipal(t, { email: u.email }),
    };
  }

  type Setup = Awaited<ReturnType<typeof setup>>;

  const requestAndApprove = (x: Setup) => approvedRequest(t, x.principal, approver, x.groupId);
  const grant = (id: string) => findGrant(t, auditor.token, id);
  const waitForGrant = (id: string, status: string, timeoutMs = 60_000) =>
    waitForGrantAs(t, auditor.token, id, status, timeoutMs);

  async function opsOf(sourceId: string): Promise<(Operation & { action: string })[]> {
    const res = await t.request('GET', `/api/v1/provisioning-operations?sourceId=${sourceId}&limit=500`, {
      token: auditor.token,
    });
    return res.body.items as (Operation & { action: string })[];
  }

  /** Expires the grant now (as its delayed job or the sweep would) if it is active. */
  async function expireNow(grantId: string): Promise<void> {
    await db.query(`UPDATE access_grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      grantId,
    ]);
    await t.app.get(GrantExpiryService).expireDueGrants();
  }

  /** Membership writes for this user and group seen by the emulator since `seq`, with their status. */
  const writesFor = (x: Setup, seq: number) =>
    emu.emulator
      .requests({ since: seq })
      .filter((r) => r.method === 'POST' && r.path === `/api/v2/usergroups/${x.groupExt}/members`)
      .map((r) => `${(r.body as { op: string } | undefined)?.op ?? '?'} ${r.status ?? 'unanswered'}`);
  const readsFor = (x: Setup, seq: number) =>
    emu.emulator.requests({ since: seq }).filter((r) => r.path === `/api/v2/users/${x.userExt}/memberof`);

  /**
   * A grant whose add's first attempt hangs and is applied ~2.5 s after the client gave up (attempt 2
   * adds the member), revoked at once: its removal runs before the hung attempt lands, so the member
   * comes back with the grant ended.
   */
  async function revokedThenLandedLate() {
    const x = await setup();
    emu.emulator.addFault({
      kind: 'hang',
      count: 1,
      hangMs: TIMEOUT_MS + 2500,
      method: 'POST',
      path: '/members$',
    });
    const seq = emu.emulator.lastSeq;
    const before = membership();
    const { grantId } = await requestAndApprove(x);
    await waitForGrant(grantId, 'active');
    const revoked = await t.request('POST', `/api/v1/grants/${grantId}/revoke`, {
      token: x.principal.token,
      body: { reason: 'done' },
    });
    expect(revoked.status).toBe(200);
    await waitForGrant(grantId, 'ended');
    for (let i = 0; i < 200 && !isMember(x.groupExt, x.userExt); i++) await sleep(50);
    expect(isMember(x.groupExt, x.userExt)).toBe(true);
    return { x, grantId, seq, before };
  }

  /** The next sync lists the late add: it is taken out again (a second removal) and the member is gone. */
  async function syncUntilUndone(x: Setup, grantId: string): Promise<void> {
    await syncNow(t, connectionId);
    const removals = async () => (await opsOf(grantId)).filter((o) => o.action === 'remove_member');
    for (let i = 0; i < 600 && (await removals()).length < 2; i++) await sleep(50);
    await waitForOps(
      t,
      (await removals()).map((o) => o.id),
    );
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    expect((await removals()).map((o) => [o.status, o.result])).toEqual([
      ['succeeded', 'removed'],
      ['succeeded', 'removed'],
    ]);
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 141, sizes: { users: 80, groups: 16, membershipsPerUser: 2, admins: 3, apps: 2 } },
      {
        env: {
          EXPIRY_SWEEP_SECONDS: '3600',
          JUMPCLOUD_TIMEOUT_MS: String(TIMEOUT_MS),
          JUMPCLOUD_MAX_ATTEMPTS: '3',
          SYNC_RETRY_BASE_MS: '20',
        },
      },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await createPrincipal(t);
    auditor = await createPrincipal(t, { roles: ['auditor'] });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  afterEach(() => {
    emu.emulator.clearFaults();
    emu.emulator.setDenied('all', []);
  });

  it('without faults a grant add costs one membership read and one write; attempts counts the write', async () => {
    const x = await setup();
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    await waitForGrant(grantId, 'active');
    expect(readsFor(x, seq)).toHaveLength(1);
    expect(writesFor(x, seq)).toEqual(['add 204']);
    const [add] = await opsOf(grantId);
    expect(add).toMatchObject({ action: 'add_member', status: 'succeeded', attempts: 1, result: 'added' });
    expect(isMember(x.groupExt, x.userExt)).toBe(true);
  });

  it('a membership added in JumpCloud after the last sync: the grant ends already_member and expiry removes nothing', async () => {
    const x = await setup();
    // Standing access granted outside jumpgate; the synced copy does not know it yet.
    expect(emu.emulator.externalAddMember(x.groupExt, x.userExt)).toBe(true);
    const before = membership();
    const seq = emu.emulator.lastSeq;
    const { requestId, grantId } = await requestAndApprove(x);
    const ended = await waitForGrant(grantId, 'ended');
    expect(ended).toMatchObject({ endReason: 'already_member', startsAt: null, expiresAt: null });
    expect(ended.endedAt).not.toBeNull();
    // The requester reads it in the request.
    const req = await t.request('GET', `/api/v1/access-requests/${requestId}`, { token: x.principal.token });
    expect(req.body).toMatchObject({
      status: 'approved',
      grantId,
      grant: { status: 'ended', endReason: 'already_member', expiresAt: null },
    });
    // One read, no write; the operation says what it found and counts no attempt.
    expect(readsFor(x, seq)).toHaveLength(1);
    expect(writesFor(x, seq)).toEqual([]);
    const ops = await opsOf(grantId);
    expect(ops.map((o) => [o.action, o.status, o.attempts, o.result])).toEqual([
      ['add_member', 'succeeded', 0, 'already_member'],
    ]);

    // Expiry time, the sweep and a late job: nothing is ever removed for it.
    await db.query(`UPDATE access_grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      grantId,
    ]);
    await t.app.get(GrantExpiryService).expireDueGrants();
    await t.app.get(GrantExpiryService).expireDueGrants([grantId]);
    await sleep(500);
    expect(isMember(x.groupExt, x.userExt)).toBe(true);
    expect(membership().calls - before.calls).toBe(0);
    expect(await opsOf(grantId)).toHaveLength(1);
    expect((await grant(grantId)).endReason).toBe('already_member');
    // The membership's history does not claim jumpgate added it.
    const history = await db.query(
      `SELECT count(*)::int AS n FROM directory_membership_history WHERE group_id = $1 AND account_id = $2
         AND operation_id IS NOT NULL`,
      [x.groupId, x.accountId],
    );
    expect(history.rows[0].n).toBe(0);
    const events = await db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [
      grantId,
    ]);
    expect(events.rows.map((r) => r.action)).toEqual(['access.grant.created', 'access.grant.already_member']);
  });

  it('a race (someone adds the member between our read and our write): 409 on the first attempt is already_member', async () => {
    const x = await setup();
    emu.emulator.addFault({ kind: 'concurrent_write', count: 1, method: 'POST', path: '/members$' });
    const before = membership();
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    expect(await waitForGrant(grantId, 'ended')).toMatchObject({ endReason: 'already_member' });
    expect(readsFor(x, seq)).toHaveLength(1);
    expect(writesFor(x, seq)).toEqual(['add 409']);
    expect((await opsOf(grantId)).map((o) => [o.status, o.attempts, o.result])).toEqual([
      ['succeeded', 1, 'already_member'],
    ]);
    await expireNow(grantId);
    await sleep(500);
    expect(isMember(x.groupExt, x.userExt)).toBe(true);
    expect(membership().removed - before.removed).toBe(0);
    expect(emu.emulator.stats().external.added).toBeGreaterThan(0);
  });

  it('a write that timed out and then answered 409 is our own add: an active grant, removed at expiry', async () => {
    const x = await setup();
    // Attempt 1 hangs past the client's timeout and JumpCloud applies it a little later; attempt 2
    // is rate limited for a second (a 429 is refused before any work), so attempt 3 finds our member.
    emu.emulator.addFault({
      kind: 'hang',
      count: 1,
      hangMs: TIMEOUT_MS + 200,
      method: 'POST',
      path: '/members$',
    });
    emu.emulator.addFault({
      kind: 'rate_limit',
      count: 1,
      retryAfterSeconds: 1,
      method: 'POST',
      path: '/members$',
    });
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    const active = await waitForGrant(grantId, 'active');
    expect(active.expiresAt).not.toBeNull();
    // The first (hung) write's answer went to a client that had left; the 429 was refused before
    // its body was read.
    expect(writesFor(x, seq).slice(1)).toEqual(['? 429', 'add 409']);
    expect(emu.emulator.requests({ since: seq }).filter((r) => r.fault === 'hang')).toHaveLength(1);
    const [add] = await opsOf(grantId);
    expect(add).toMatchObject({ status: 'succeeded', result: 'added', attempts: 3 });
    expect(isMember(x.groupExt, x.userExt)).toBe(true);

    await expireNow(grantId);
    expect(await waitForGrant(grantId, 'ended')).toMatchObject({ endReason: 'expired' });
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    expect(writesFor(x, seq).slice(1)).toEqual(['? 429', 'add 409', 'remove 204']);
  });

  it('a job attempt after one whose write may have landed reads the member as ours', async () => {
    const x = await setup();
    // Every write attempt of the first job run gets a 500 after JumpCloud applied the first one.
    emu.emulator.addFault({ kind: 'server_error', count: 3, status: 502, method: 'POST', path: '/members$' });
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    // The emulator answers the injected 502 without applying it; apply it as a 5xx-after-commit would.
    for (let i = 0; i < 200 && writesFor(x, seq).length === 0; i++) await sleep(10);
    emu.emulator.externalAddMember(x.groupExt, x.userExt);
    const active = await waitForGrant(grantId, 'active');
    expect(active.expiresAt).not.toBeNull();
    const [add] = await opsOf(grantId);
    // Three write calls in the first run; the second run read the member and wrote nothing more.
    expect(add).toMatchObject({ status: 'succeeded', result: 'added', attempts: 3 });
    expect(readsFor(x, seq)).toHaveLength(2);
    await expireNow(grantId);
    await waitForGrant(grantId, 'ended');
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
  });

  it('an outcome that fails after JumpCloud accepted the add: the retry reads the member as ours, the grant is active and expiry removes it', async () => {
    const x = await setup();
    const seq = emu.emulator.lastSeq;
    const grantId = await withOutcomeFailingOnce(
      t,
      'grant',
      async (failed) => {
        const { grantId: id } = await requestAndApprove(x);
        for (let i = 0; i < 400 && (await grant(id)).status === 'provisioning'; i++) await sleep(50);
        expect(await grant(id)).toMatchObject({ status: 'active', endReason: null });
        const [add] = await opsOf(id);
        expect(failed).toEqual([add.id]);
        return id;
      },
      (ops) => ops.some((o) => o.accountId === x.accountId && o.action === 'add_member'),
    );
    // One write: the retry read the member and took it as the add it had made.
    expect(writesFor(x, seq)).toEqual(['add 204']);
    const [add] = await opsOf(grantId);
    expect(add).toMatchObject({ status: 'succeeded', result: 'added', attempts: 1 });
    await expireNow(grantId);
    expect(await waitForGrant(grantId, 'ended')).toMatchObject({ endReason: 'expired' });
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    expect(writesFor(x, seq)).toEqual(['add 204', 'remove 204']);
  });

  it("refuses a retry of a failed grant's add with 409 grant_not_waiting and changes nothing; a failed removal may be retried", async () => {
    const x = await setup();
    emu.emulator.setDenied('all', ['groups.write']);
    const { grantId } = await requestAndApprove(x);
    const failed = await waitForGrant(grantId, 'failed');
    expect(failed.failureReason).toMatch(/missing_permission/);
    const [add] = await opsOf(grantId);
    expect(add).toMatchObject({ status: 'failed', attempts: 1 });
    // The role is fixed, as the operations guide says; the retry is still refused.
    emu.emulator.setDenied('all', []);
    const seq = emu.emulator.lastSeq;
    const res = await t.request('POST', `/api/v1/provisioning-operations/${add.id}/retry`, {
      token: admin.token,
    });
    expect([res.status, res.body.code]).toEqual([409, 'grant_not_waiting']);
    await sleep(500);
    const [after] = await opsOf(grantId);
    expect(after).toMatchObject({ status: 'failed', attempts: 1, lastError: add.lastError });
    expect((await grant(grantId)).status).toBe('failed');
    expect(emu.emulator.requests({ since: seq })).toEqual([]);
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    const audited = await db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'provisioning.operation.retried' AND target_id = $1`,
      [add.id],
    );
    expect(audited.rows[0].n).toBe(0);

    // A grant whose removal was refused still waits for it: that retry is allowed and takes it out.
    const y = await setup();
    const { grantId: liveId } = await requestAndApprove(y);
    await waitForGrant(liveId, 'active');
    emu.emulator.setDenied('all', ['groups.write']);
    const revoked = await t.request('POST', `/api/v1/grants/${liveId}/revoke`, {
      token: admin.token,
      body: { reason: 'done' },
    });
    expect(revoked.status).toBe(200);
    const removal = () => opsOf(liveId).then((o) => o.find((op) => op.action === 'remove_member')!);
    for (let i = 0; i < 400 && (await removal())?.status !== 'failed'; i++) await sleep(50);
    expect((await grant(liveId)).status).toBe('revoking');
    emu.emulator.setDenied('all', []);
    const retried = await t.request('POST', `/api/v1/provisioning-operations/${(await removal()).id}/retry`, {
      token: admin.token,
    });
    expect([retried.status, retried.body.status]).toEqual([200, 'pending']);
    expect(await waitForGrant(liveId, 'ended')).toMatchObject({ endReason: 'revoked' });
    expect(isMember(y.groupExt, y.userExt)).toBe(false);
  });

  it('an add that lands after its grant was revoked is undone through the outbox', async () => {
    const x = await setup();
    // The add is slow to be applied (within the client's timeout): the requester revokes meanwhile.
    emu.emulator.addFault({
      kind: 'latency',
      count: 1,
      latencyMs: TIMEOUT_MS - 400,
      method: 'POST',
      path: '/members$',
    });
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    for (let i = 0; i < 200 && writesFor(x, seq).length === 0; i++) await sleep(10);
    expect((await grant(grantId)).status).toBe('provisioning');
    const revoked = await t.request('POST', `/api/v1/grants/${grantId}/revoke`, {
      token: x.principal.token,
      body: { reason: 'not needed after all' },
    });
    expect([revoked.status, revoked.body.status]).toEqual([200, 'revoking']);
    const ended = await waitForGrant(grantId, 'ended');
    expect(ended).toMatchObject({ endReason: 'revoked', startsAt: null, expiresAt: null });
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    expect(writesFor(x, seq)).toEqual(['add 204', 'remove 204']);
    const ops = await opsOf(grantId);
    expect(ops.map((o) => [o.action, o.status, o.result])).toEqual([
      ['add_member', 'succeeded', 'added'],
      ['remove_member', 'succeeded', 'removed'],
    ]);
    const events = await db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [
      grantId,
    ]);
    expect(events.rows.map((r) => r.action)).toEqual([
      'access.grant.created',
      'access.grant.revoked',
      'access.grant.add_undone',
      'access.grant.ended',
    ]);
  });

  it('an add that failed after a timeout and landed after everything is undone through the outbox after the next sync', async () => {
    const x = await setup();
    // Attempt 1 hangs and JumpCloud applies it long after the client gave up; every later write gets
    // a 500 until the operation fails for good (each job run reads first: the member is not there yet).
    const hang = emu.emulator.addFault({
      kind: 'hang',
      count: 1,
      hangMs: 10_000,
      method: 'POST',
      path: '/members$',
    });
    emu.emulator.addFault({ kind: 'server_error', method: 'POST', path: '/members$' });
    const seq = emu.emulator.lastSeq;
    const { grantId } = await requestAndApprove(x);
    const failed = await waitForGrant(grantId, 'failed', 60_000);
    expect(failed.failureReason).toMatch(/unavailable/);
    expect(hang.hits).toBe(1);
    // JumpCloud recovers: the undo of the add that may have landed runs at once and finds nothing.
    emu.emulator.clearFaults();
    const removals = async () => (await opsOf(grantId)).filter((o) => o.action === 'remove_member');
    for (let i = 0; i < 600 && (await removals())[0]?.status !== 'succeeded'; i++) await sleep(50);
    // (`removed` when an earlier run of the removal got a 500: its 404 may then be its own doing.)
    expect((await removals()).map((o) => [o.status, o.result])).toEqual([
      ['succeeded', expect.stringMatching(/^(not_member|removed)$/)],
    ]);
    // Then the hung add lands: a member no grant tracks.
    for (let i = 0; i < 400 && !isMember(x.groupExt, x.userExt); i++) await sleep(50);
    expect(isMember(x.groupExt, x.userExt)).toBe(true);

    // The next sync lists it: the failed add landed after all, and it is taken out again.
    await syncNow(t, connectionId);
    for (let i = 0; i < 600 && (await removals()).length < 2; i++) await sleep(50);
    const [, late] = await removals();
    await waitForOps(t, [late.id]);
    expect(isMember(x.groupExt, x.userExt)).toBe(false);
    expect((await removals()).map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect((await removals())[1].result).toBe('removed');
    const [add] = (await opsOf(grantId)).filter((o) => o.action === 'add_member');
    expect(add).toMatchObject({ status: 'failed', verification: 'contradicted' });
    expect((await grant(grantId)).status).toBe('failed');
    // A second sync finds nothing more to undo.
    await syncNow(t, connectionId);
    await sleep(300);
    expect(await removals()).toHaveLength(2);
    expect(writesFor(x, seq).filter((w) => w.startsWith('remove') && !w.endsWith('500'))).toEqual([
      'remove 404',
      'remove 204',
    ]);
  }, 120_000);

  it('a timed-out attempt of a succeeded add that lands after the grant ended is undone after the next sync', async () => {
    const { x, grantId, seq, before } = await revokedThenLandedLate();
    expect(membership().added - before.added).toBe(2);

    await syncUntilUndone(x, grantId);
    // The hung attempt was applied, but its answer went to a client that had left.
    expect(writesFor(x, seq)).toEqual(['add unanswered', 'add 204', 'remove 204', 'remove 204']);
    expect(await grant(grantId)).toMatchObject({ status: 'ended', endReason: 'revoked' });
  }, 60_000);

  // Replaces the event told after verification (PROVISIONING_UNCERTAIN_ADDS_LANDED): the undo is
  // decided in the transaction that stores the verdicts, so a failure there loses nothing.
  it('a late-landing add is undone inside the verifying transaction: a handler that throws leaves it to the next sync', async () => {
    const { x, grantId } = await revokedThenLandedLate();

    const provisioning = t.app.get(ProvisioningService);
    const handler = provisioning.verifiedHandlerFor('grant')!;
    let calls = 0;
    provisioning.registerVerifiedHandler('grant', async (m, v) => {
      calls++;
      // Writes something first, so a commit despite the throw would show.
      await handler(m, v);
      throw new Error('the verified handler failed');
    });
    const removals = async () => (await opsOf(grantId)).filter((o) => o.action === 'remove_member');
    const addOf = async () => (await opsOf(grantId)).find((o) => o.action === 'add_member')!;
    try {
      await syncNow(t, connectionId);
      for (let i = 0; i < 400 && calls === 0; i++) await sleep(25);
      expect(calls).toBe(1);
      await sleep(300);
      // Rolled back: no undo, no audit, and the add still awaits a verdict.
      expect(await removals()).toHaveLength(1);
      expect((await addOf()).verification).toBe('pending');
      const undone = await db.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1 AND action = 'access.grant.add_undone'`,
        [grantId],
      );
      expect(undone.rows[0].n).toBe(0);
    } finally {
      provisioning.registerVerifiedHandler('grant', handler);
    }
    await syncUntilUndone(x, grantId);
    expect((await addOf()).verification).toBe('confirmed');
    expect(await grant(grantId)).toMatchObject({ status: 'ended', endReason: 'revoked' });
  }, 90_000);

  describe('a review revoke of a membership a grant created', () => {
    async function reviewRevoke(x: Setup, grantId: string) {
      const reviewer = await createPrincipal(t);
      const { id } = await launchCampaign(
        t,
        admin,
        auditor,
        campaignBody(connectionId, admin.id, {
          name: 'Grant review',
          scope: { groupIds: [x.groupId] },
          reviewerIds: [reviewer.id],
        }),
      );
      const items = await t.request('GET', `/api/v1/campaigns/${id}/items?limit=500`, {
        token: auditor.token,
      });
      const item = (items.body.items as ReviewItemResponse[]).find((i) => i.grantId === grantId)!;
      expect(item).toBeDefined();
      const decided = await t.request('POST', `/api/v1/review-items/${item.id}/decision`, {
        token: reviewer.token,
        body: { decision: 'revoke', justification: 'not needed' },
      });
      expect(decided.status).toBe(200);
      expect((await t.request('POST', `/api/v1/campaigns/${id}/close`, { token: admin.token })).status).toBe(
        202,
      );
      await waitForCampaign(t, auditor.token, id, 'closed');
      const [op] = await opsOf(item.id);
      const [settled] = await waitForOps(t, [op.id], 90_000);
      const remediation = async () => {
        const res = await t.request('GET', `/api/v1/campaigns/${id}/items?limit=500`, {
          token: auditor.token,
        });
        return (res.body.items as ReviewItemResponse[]).find((i) => i.id === item.id)!.remediation;
      };
      return { op: settled, remediation };
    }

    it.each([
      ['403', () => emu.emulator.setDenied('all', ['groups.write'])],
      ['500', () => emu.emulator.addFault({ kind: 'server_error', method: 'POST', path: '/members$' })],
    ])(
      'a removal refused with %s leaves the grant live (it expires as usual) and the item failed',
      async (_status, inject) => {
        const x = await setup();
        const { grantId } = await requestAndApprove(x);
        await waitForGrant(grantId, 'active');
        inject();
        const { op, remediation } = await reviewRevoke(x, grantId);
        expect(op.status).toBe('failed');
        for (let i = 0; i < 200 && (await remediation()) !== 'failed'; i++) await sleep(50);
        expect(await remediation()).toBe('failed');
        expect(await grant(grantId)).toMatchObject({ status: 'active', endReason: null });
        expect(isMember(x.groupExt, x.userExt)).toBe(true);

        // JumpCloud works again: the grant expires as usual and its own removal takes the member out.
        emu.emulator.clearFaults();
        emu.emulator.setDenied('all', []);
        await expireNow(grantId);
        expect(await waitForGrant(grantId, 'ended')).toMatchObject({ endReason: 'expired' });
        expect(isMember(x.groupExt, x.userExt)).toBe(false);
      },
      120_000,
    );

    it('a removal that succeeded ends the grant revoked, with no second removal', async () => {
      const x = await setup();
      const { grantId } = await requestAndApprove(x);
      await waitForGrant(grantId, 'active');
      const before = membership();
      const { op, remediation } = await reviewRevoke(x, grantId);
      expect(op.status).toBe('succeeded');
      expect(await waitForGrant(grantId, 'ended')).toMatchObject({ endReason: 'revoked' });
      expect(isMember(x.groupExt, x.userExt)).toBe(false);
      expect(['pending', 'done']).toContain(await remediation());
      await expireNow(grantId);
      await sleep(500);
      expect(membership().calls - before.calls).toBe(1);
      expect((await opsOf(grantId)).map((o) => o.action)).toEqual(['add_member']);
    }, 120_000);
  });

  it('refuses a retry of a grant operation whose grant does not exist (409 grant_not_waiting)', async () => {
    const bogus = await db.query<{ id: string }>(
      `INSERT INTO provisioning_operations (connection_id, action, account_id, group_id, reason, source_type, source_id,
         idempotency_key, status)
       SELECT $1, 'add_member', a.id, g.id, 'test', 'grant', gen_random_uuid(), 'test.' || gen_random_uuid(), 'failed'
       FROM directory_accounts a, directory_groups g WHERE a.connection_id = $1 AND g.connection_id = $1 LIMIT 1
       RETURNING id`,
      [connectionId],
    );
    const res = await t.request('POST', `/api/v1/provisioning-operations/${bogus.rows[0].id}/retry`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect([res.status, res.body.code]).toEqual([409, 'grant_not_waiting']);
  });
});
