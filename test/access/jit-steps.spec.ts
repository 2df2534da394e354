import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { syncNow } from '../helpers/jumpcloud';
import { putRequestablePolicy } from '../helpers/grants';
import { JitPicker } from '../helpers/jit';
import { createChannel, deliveries } from '../helpers/notifications';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';

/**
 * Approval steps and approvers who left (API.md "Just-in-time additions"), through the REST API
 * against the emulator: a manager step then an approvers step, skipped manager steps, `not_this_step`,
 * one approval per person, and an approver suspended by a sync replaced by the group's owner.
 */
describe('just-in-time approval steps', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let owner: TestPrincipal;
  let pick: JitPicker;
  const freshGroup = () => pick.group();
  const person = (groupId: string, withManager: boolean) =>
    pick.person(groupId, withManager ? 'with' : 'without');

  const putPolicy = (groupId: string, fields: Record<string, unknown>) =>
    putRequestablePolicy(t, admin.token, groupId, [owner.id], fields);

  const request = (who: TestPrincipal, body: Record<string, unknown>) =>
    t.request('POST', '/api/v1/access-requests', { token: who.token, body });

  const act = (who: TestPrincipal, id: string, verb: 'approve' | 'deny', comment = 'ok') =>
    t.request('POST', `/api/v1/access-requests/${id}/${verb}`, { token: who.token, body: { comment } });

  const getRequest = async (id: string) =>
    (await t.request('GET', `/api/v1/access-requests/${id}`, { token: admin.token })).body;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 121, sizes: { users: 120, groups: 10, membershipsPerUser: 1, admins: 2, apps: 1 } },
      { env: { EXPIRY_SWEEP_SECONDS: '3600' } },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    owner = await createPrincipal(t);
    pick = new JitPicker(db, connectionId);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('manager then approvers: a manager who is also a group approver counts for one step only; a later step acting early is 409 not_this_step', async () => {
    const groupId = await freshGroup();
    const { user, manager } = await person(groupId, true);
    const requester = await createPrincipal(t, { email: user.email });
    const mgr = await createPrincipal(t, { email: manager!.email, displayName: 'The Manager' });
    const approver = await createPrincipal(t, { displayName: 'Group Approver' });
    const policy = await putPolicy(groupId, {
      approverIds: [mgr.id, approver.id],
      approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }],
    });
    expect(policy.status).toBe(200);
    expect(policy.body.approvalSteps).toEqual([{ kind: 'manager' }, { kind: 'approvers', required: 1 }]);

    const created = await request(requester, { groupId, durationMinutes: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      currentStep: 0,
      eligibleApprovers: [{ id: mgr.id, displayName: 'The Manager' }],
      approvals: [],
    });
    const id = created.body.id as string;

    // The approvers step's approver acting during the manager step: 409, nothing recorded.
    for (const verb of ['approve', 'deny'] as const) {
      const early = await act(approver, id, verb);
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('not_this_step');
    }
    expect(await getRequest(id)).toMatchObject({ status: 'pending', currentStep: 0, approvals: [] });
    // Someone who approves no step of it: 403.
    expect((await act(admin, id, 'approve')).status).toBe(403);

    const byManager = await act(mgr, id, 'approve', 'my report needs it');
    expect(byManager.status).toBe(200);
    expect(byManager.body).toMatchObject({
      status: 'pending',
      currentStep: 1,
      eligibleApprovers: [{ id: approver.id, displayName: 'Group Approver' }],
    });
    // The manager is a group approver too, but their one approval counted for the manager step.
    const again = await act(mgr, id, 'approve');
    expect(again.status).toBe(409);
    expect((await getRequest(id)).status).toBe('pending');

    const done = await act(approver, id, 'approve');
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('approved');
    expect(done.body.grantId).toEqual(expect.any(String));
    expect(done.body.eligibleApprovers).toEqual([]);
    expect(
      done.body.approvals.map((a: { approverId: string; step: number; decision: string }) => [
        a.approverId,
        a.step,
        a.decision,
      ]),
    ).toEqual([
      [mgr.id, 0, 'approve'],
      [approver.id, 1, 'approve'],
    ]);
  }, 120_000);

  it('skips a manager step with a record when the account has no manager, or the manager is the requester', async () => {
    const groupId = await freshGroup();
    const approver = await createPrincipal(t);
    expect(
      (
        await putPolicy(groupId, {
          approverIds: [approver.id],
          approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }],
        })
      ).status,
    ).toBe(200);

    const { user: orphan } = await person(groupId, false);
    const orphanP = await createPrincipal(t, { email: orphan.email });
    const noManager = await request(orphanP, { groupId });
    expect(noManager.status).toBe(201);
    expect(noManager.body).toMatchObject({
      currentStep: 1,
      eligibleApprovers: [{ id: approver.id }],
      approvals: [
        {
          approverId: null,
          decision: 'skipped',
          step: 0,
          comment: 'the account has no manager in the directory',
        },
      ],
    });

    // A manager (an owner here, so it may ask for someone else) requesting for its report.
    const { user, manager } = await person(groupId, true);
    const mgr = await createPrincipal(t, { email: manager!.email });
    expect(
      (
        await putPolicy(groupId, {
          ownerIds: [owner.id, mgr.id],
          approverIds: [approver.id],
          approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }],
        })
      ).status,
    ).toBe(200);
    const forReport = await request(mgr, { groupId, accountId: user.accountId });
    expect(forReport.status).toBe(201);
    expect(forReport.body.currentStep).toBe(1);
    expect(forReport.body.approvals).toMatchObject([
      { approverId: null, decision: 'skipped', step: 0, comment: 'the manager is the requester' },
    ]);
    // The manager may not approve its own request at any step (separation of duties).
    expect((await act(mgr, forReport.body.id, 'approve')).status).toBe(403);
  }, 120_000);

  it('refuses bad approvalSteps with 400 and keeps the policy as it was', async () => {
    const groupId = await freshGroup();
    expect((await putPolicy(groupId, {})).status).toBe(200);
    const before = (await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token })).body;
    for (const approvalSteps of [
      [{ kind: 'manager' }],
      [{ kind: 'bogus' }],
      [{ kind: 'approvers', required: 2 }],
      [{ kind: 'manager', required: 1 }, { kind: 'approvers' }],
      [],
      [{ kind: 'approvers', required: 0 }],
      [{ kind: 'approvers', extra: true }],
    ]) {
      const res = await putPolicy(groupId, { approvalSteps });
      expect({ approvalSteps, status: res.status }).toEqual({ approvalSteps, status: 400 });
    }
    const after = (await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token })).body;
    expect(after).toEqual(before);
    expect(after.approvalSteps).toEqual([{ kind: 'approvers', required: 1 }]);
  });

  it('an approver suspended by a sync is skipped and the owner is asked (approverChanges, audited, notified)', async () => {
    await createChannel(t, 'email', { smtpUrl: 'smtp://127.0.0.1:9', from: 'jumpgate@example.com' });
    const groupId = await freshGroup();
    const { user: leaver } = await person(groupId, false);
    const { user: asker } = await person(groupId, false);
    const approver = await createPrincipal(t, { email: leaver.email });
    const requester = await createPrincipal(t, { email: asker.email });
    expect((await putPolicy(groupId, { approverIds: [approver.id] })).status).toBe(200);
    const created = await request(requester, { groupId });
    expect(created.status).toBe(201);
    expect(created.body.eligibleApprovers).toEqual([{ id: approver.id, displayName: null }]);
    const id = created.body.id as string;

    emu.emulator.setUserState(leaver.ext, 'SUSPENDED');
    await syncNow(t, connectionId);

    // The sync's completion event checks pending requests right after the run is recorded.
    const after = await pollUntil(
      () => getRequest(id),
      (r) => r.approverChanges.length > 0,
      (r) => `no approver change: ${JSON.stringify(r)}`,
    );
    expect(after.status).toBe('pending');
    expect(after.eligibleApprovers).toEqual([{ id: owner.id, displayName: null }]);
    expect(after.approverChanges).toEqual([
      { removedId: approver.id, reason: 'disabled', addedIds: [owner.id], at: expect.any(String) },
    ]);
    const { rows } = await db.query(
      `SELECT data FROM audit_events WHERE action = 'access.request.approvers_changed' AND target_id = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    expect((await deliveries(t, `&kind=request_to_approve&recipientId=${owner.id}`)).length).toBeGreaterThan(
      0,
    );

    // The owner's approval grants it; the one who left is no approver of it any more.
    const ok = await act(owner, id, 'approve');
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('approved');
  }, 120_000);
});
