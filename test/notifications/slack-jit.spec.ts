import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy } from '../helpers/grants';
import { type SlackCall, type SlackStandIn } from '../helpers/notifications';
import { localId, outsidersOf, staticGroups } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import {
  buttonClick,
  postSlackInteraction,
  SLACK_ORG_PUBLIC_URL as PUBLIC_URL,
  slackPrincipal,
  type SlackBlock as Block,
  startSlackOrg,
  stopSlackOrg,
} from '../helpers/slack';

const SIGNING_SECRET = 'slack-signing-secret-jit-spec';

/**
 * Just-in-time additions in Slack (API.md "Just-in-time additions", "Notifications"): a request's
 * message says which approval step the person is asked for, its buttons obey the steps, and a
 * break-glass use tells owners, approvers and admins what happened with a link to its review.
 */
describe('Slack: approval steps and break-glass', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let slack: SlackStandIn;
  let admin: TestPrincipal;
  let approver: TestPrincipal;

  /** A signed click on a message (channel, ts), on a block when given. */
  const click = (
    slackUser: string,
    actionId: string,
    value: string,
    where: { channel: string; ts: string; blockId?: string },
  ) => postSlackInteraction(t, buttonClick({ user: slackUser, actionId, value, ...where }), SIGNING_SECRET);

  /** The message posted to a Slack user's DM about this request, with the ts Slack gave it. */
  async function dmAbout(slackUser: string, requestId: string): Promise<{ call: SlackCall; ts: string }> {
    const call = await pollUntil(
      async () =>
        slack.calls.find(
          (c) =>
            c.method === 'chat.postMessage' &&
            c.args.channel === `D-${slackUser}` &&
            JSON.stringify(c.args.blocks).includes(requestId),
        ),
      (c) => c !== undefined,
      () => `no message to ${slackUser} about ${requestId}`,
    );
    // The ts Slack answered, as the delivery stored it on the row (written just after the send).
    const ts = await pollUntil(
      async () =>
        (
          await db.query<{ ts: string }>(
            `SELECT delivery_ref->>'ts' AS ts FROM notifications
              WHERE kind = 'request_to_approve' AND subject_id = $1 AND delivery_ref->>'channel' = $2`,
            [requestId, `D-${slackUser}`],
          )
        ).rows[0]?.ts,
      (v) => v !== undefined,
      () => `no delivery stored for ${slackUser}`,
    );
    return { call: call!, ts: ts };
  }

  const blocksOf = (c: SlackCall | undefined) => (c?.args.blocks ?? []) as Block[];
  const lastUpdate = () => slack.calls.filter((c) => c.method === 'chat.update').pop();
  const requestOf = async (id: string) =>
    (await t.request('GET', `/api/v1/access-requests/${id}`, { token: admin.token })).body;

  async function putPolicy(groupId: string, fields: Record<string, unknown>) {
    expect((await putRequestablePolicy(t, admin.token, groupId, [approver.id], fields)).status).toBe(200);
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId, slack } = await startSlackOrg(
      { seed: 73, sizes: { users: 24, groups: 3, membershipsPerUser: 1, admins: 1, apps: 1 } },
      { signingSecret: SIGNING_SECRET },
    ));
    admin = await slackPrincipal({ t, slack }, 'U-ADM', { roles: ['admin'] });
    approver = await slackPrincipal({ t, slack }, 'U-APP');
  });

  afterAll(() => stopSlackOrg({ db, t, emu, slack }));

  it("a two-step request: the manager's message says step 1 of 2; the step-2 approver clicking early is told why and nothing changes; each approves from their own message", async () => {
    const g = staticGroups(emu)[0];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    await putPolicy(groupId, { approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }] });
    const users = emu.emulator.store.users;
    const u = outsidersOf(emu, g).find(
      (x) =>
        x.manager >= 0 &&
        users[x.manager].state === 'ACTIVATED' &&
        !users.some((o) => o.email === x.email && o !== x) &&
        !users.some((o) => o.email === users[x.manager].email && o !== users[x.manager]),
    )!;
    const managerEmail = users[u.manager].email;
    slack.users[managerEmail.toLowerCase()] = 'U-MGR';
    const requester = await createPrincipal(t, { email: u.email });
    const created = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 10 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // The manager is asked for step 1, and the message says so; Approve/Deny carry the request.
    const mgr = await dmAbout('U-MGR', id);
    const mgrBlocks = blocksOf(mgr.call);
    expect(mgrBlocks[0].text?.text).toContain(
      "Step 1 of 2 (the requester's manager): you are asked for this step.",
    );
    const mgrActions = mgrBlocks.find((b) => b.type === 'actions' && b.block_id)!;
    expect(mgrActions.elements?.map((e) => e.action_id)).toEqual([
      'jumpgate.open',
      'jumpgate.request.approve',
      'jumpgate.request.deny',
    ]);
    // The approver of step 2 is not asked yet.
    expect(slack.calls.some((c) => c.method === 'chat.postMessage' && c.args.channel === 'D-U-APP')).toBe(
      false,
    );

    // The approver of step 2 clicks early: told which step it waits on, nothing changes.
    const early = await click('U-APP', 'jumpgate.request.approve', id, { channel: 'D-U-APP', ts: '1.1' });
    expect(early.status).toBe(200);
    expect(String(lastUpdate()?.args.text)).toBe(
      "Nothing was done: The request waits on step 1 (the requester's manager); you approve step 2",
    );
    expect(await requestOf(id)).toMatchObject({ status: 'pending', currentStep: 0, approvals: [] });

    // The manager approves from the message: it now shows the outcome instead of the buttons.
    const byManager = await click('U-MGR', 'jumpgate.request.approve', id, {
      channel: 'D-U-MGR',
      ts: mgr.ts,
      blockId: mgrActions.block_id,
    });
    expect(byManager.status).toBe(200);
    const updated = lastUpdate();
    expect(updated?.args).toMatchObject({ channel: 'D-U-MGR', ts: mgr.ts });
    const outcome = blocksOf(updated).find((b) => b.block_id === mgrActions.block_id);
    expect(outcome?.type).toBe('context');
    expect((outcome?.elements?.[0]?.text as string) ?? '').toMatch(
      /^Approved by .+: the request is pending\.$/,
    );
    expect(
      blocksOf(updated).some((b) => b.elements?.some((e) => e.action_id === 'jumpgate.request.approve')),
    ).toBe(false);
    expect(await requestOf(id)).toMatchObject({ status: 'pending', currentStep: 1 });

    // Now the approver is asked for step 2, and denies from their own message.
    const app = await dmAbout('U-APP', id);
    expect(blocksOf(app.call)[0].text?.text).toContain("Step 2 of 2 (the group's approvers)");
    const appActions = blocksOf(app.call).find((b) => b.type === 'actions' && b.block_id)!;
    const denied = await click('U-APP', 'jumpgate.request.deny', id, {
      channel: 'D-U-APP',
      ts: app.ts,
      blockId: appActions.block_id,
    });
    expect(denied.status).toBe(200);
    expect(await requestOf(id)).toMatchObject({ status: 'denied' });
    const deniedOutcome = blocksOf(lastUpdate()).find((b) => b.block_id === appActions.block_id);
    expect(deniedOutcome?.elements?.[0]?.text).toBe(`Denied by ${approver.email}: the request is denied.`);
  });

  it('break_glass_used tells the owner and the admins what happened and links the review, which the owner finds in My reviews', async () => {
    const g = staticGroups(emu)[1];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    await putPolicy(groupId, { breakGlass: { enabled: true, maxDurationMinutes: 30 } });
    const users = emu.emulator.store.users;
    // Someone with no principal yet (the first test made the manager's).
    const taken = new Set(
      (await db.query<{ email: string }>(`SELECT lower(email) AS email FROM principals`)).rows.map(
        (r) => r.email,
      ),
    );
    const u = outsidersOf(emu, g).find(
      (x) =>
        x.state === 'ACTIVATED' &&
        !taken.has(x.email.toLowerCase()) &&
        !users.some((o) => o.email === x.email && o !== x),
    )!;
    const requester = await createPrincipal(t, { email: u.email });
    const used = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 20, breakGlass: true, justification: 'Payments are down' },
    });
    expect(used.status).toBe(201);
    expect(used.body).toMatchObject({ status: 'approved', breakGlass: true });

    for (const who of ['U-APP', 'U-ADM']) {
      const dm = await pollUntil(
        async () =>
          slack.calls.find(
            (c) =>
              c.method === 'chat.postMessage' &&
              c.args.channel === `D-${who}` &&
              String(c.args.text).startsWith('Break-glass access:'),
          ),
        (c) => c !== undefined,
        () => `no break-glass message to ${who}`,
      );
      const blocks = blocksOf(dm);
      const text = blocks[0].text?.text ?? '';
      expect(text).toContain(`${u.email} used break-glass access to ${g.name} for 20 minutes`);
      expect(text).toContain('granted at once, without approval');
      expect(text).toContain('Justification: Payments are down');
      expect(text).toContain('reviews this use afterwards in "Break-glass reviews"');
      const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
      expect(buttons.map((b) => [b.action_id, b.url])).toEqual([
        ['jumpgate.open', `${PUBLIC_URL}/requests/${used.body.id}`],
        ['jumpgate.review', `${PUBLIC_URL}/reviews`],
      ]);
      // Nothing to approve: it was granted at once.
      expect(buttons.some((b) => b.action_id === 'jumpgate.request.approve')).toBe(false);
    }

    // The link leads the owner to the item in My reviews.
    const accountId = await localId(db, connectionId, 'directory_accounts', u.id);
    const reviews = await t.request('GET', '/api/v1/reviews?limit=500', { token: approver.token });
    expect(
      reviews.body.items.find(
        (i: { account: { id: string }; group: { id: string } | null }) =>
          i.account.id === accountId && i.group?.id === groupId,
      ),
    ).toMatchObject({
      campaign: { name: 'Break-glass reviews' },
      status: 'pending',
      reviewerId: approver.id,
    });
    // And My reviews' summary names the standing campaign, never due (it once failed on its null dueAt).
    const summary = await t.request('GET', '/api/v1/reviews/summary', { token: approver.token });
    expect(summary.status).toBe(200);
    expect(summary.body.items).toEqual([
      expect.objectContaining({
        campaign: expect.objectContaining({ name: 'Break-glass reviews', dueAt: null }),
      }),
    ]);
  });
});
