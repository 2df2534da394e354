import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy } from '../helpers/grants';
import { type SlackStandIn } from '../helpers/notifications';
import { localId, outsidersOf, staticGroups } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import {
  buttonClick,
  postSlackInteraction,
  slackPrincipal,
  startSlackOrg,
  stopSlackOrg,
} from '../helpers/slack';

const SIGNING_SECRET = 'slack-signing-secret-interactions-spec';

/** Approve and Deny from Slack: signed requests only, the REST rules, the message updated. */
describe('Slack interactions', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let slack: SlackStandIn;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let channelId: string;

  function post(body: string, headers: Record<string, string>) {
    return t.request('POST', '/integrations/slack/interactions', {
      rawBody: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  function click(
    slackUser: string,
    actionId: string,
    value: string,
    opts: { secret?: string; ageSeconds?: number } = {},
  ) {
    return postSlackInteraction(
      t,
      buttonClick({ user: slackUser, actionId, value, channel: 'D-U-APP', ts: '1700000001.000100' }),
      opts.secret ?? SIGNING_SECRET,
      opts.ageSeconds,
    );
  }

  async function pendingRequest(): Promise<string> {
    const g = staticGroups(emu)[0];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    expect((await putRequestablePolicy(t, admin.token, groupId, [approver.id])).status).toBe(200);
    const used = (await db.query(`SELECT account_id FROM access_requests`)).rows.map((r) => r.account_id);
    const outsiders = outsidersOf(emu, g);
    for (const u of outsiders) {
      const accountId = await localId(db, connectionId, 'directory_accounts', u.id);
      if (used.includes(accountId)) continue;
      const requester = await createPrincipal(t, { email: u.email });
      const req = await t.request('POST', '/api/v1/access-requests', {
        token: requester.token,
        body: { groupId, durationMinutes: 10 },
      });
      expect(req.status).toBe(201);
      return req.body.id as string;
    }
    throw new Error('no outsider left');
  }

  const statusOf = async (id: string) =>
    (await db.query(`SELECT status FROM access_requests WHERE id = $1`, [id])).rows[0].status as string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId, slack, channelId } = await startSlackOrg(
      { seed: 31, sizes: { users: 20, groups: 3, membershipsPerUser: 1, admins: 1, apps: 1 } },
      { signingSecret: SIGNING_SECRET },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await slackPrincipal({ t, slack }, 'U-APP');
    // Someone Slack knows who may not act on anything here.
    await slackPrincipal({ t, slack }, 'U-OTHER');
  });

  afterAll(() => stopSlackOrg({ db, t, emu, slack }));

  it('sends the approver Approve/Deny buttons and approves from a signed click, audited via slack', async () => {
    const id = await pendingRequest();
    const dm = await pollUntil(
      async () => slack.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'D-U-APP'),
      (c) => c !== undefined,
      () => 'no DM to the approver',
    );
    expect(JSON.stringify(dm?.args.blocks)).toContain(`"value":"${id}"`);
    const res = await click('U-APP', 'jumpgate.request.approve', id);
    expect(res.status).toBe(200);
    expect(await statusOf(id)).toBe('approved');
    const update = slack.calls.filter((c) => c.method === 'chat.update').pop();
    expect(update?.args).toMatchObject({ channel: 'D-U-APP', ts: '1700000001.000100' });
    expect(String(update?.args.text)).toBe(`Approved by ${approver.email}: the request is approved.`);
    const { rows } = await db.query(
      `SELECT actor_id, actor_auth FROM audit_events WHERE action = 'access.request.approved' AND target_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ actor_id: approver.id, actor_auth: { via: 'slack', channelId } }]);
  });

  it('refuses a bad or stale signature with 401 and changes nothing', async () => {
    const id = await pendingRequest();
    const updates = slack.calls.filter((c) => c.method === 'chat.update').length;
    expect((await click('U-APP', 'jumpgate.request.approve', id, { secret: 'wrong-secret' })).status).toBe(
      401,
    );
    expect((await click('U-APP', 'jumpgate.request.approve', id, { ageSeconds: 301 })).status).toBe(401);
    expect((await post('payload=%7B%7D', {})).status).toBe(401);
    expect(await statusOf(id)).toBe('pending');
    expect(slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(updates);
  });

  it('tells someone who may not approve so in the message, and changes nothing', async () => {
    const id = await pendingRequest();
    const res = await click('U-OTHER', 'jumpgate.request.deny', id);
    expect(res.status).toBe(200);
    expect(await statusOf(id)).toBe('pending');
    const update = slack.calls.filter((c) => c.method === 'chat.update').pop();
    expect(String(update?.args.text)).toBe(
      'Nothing was done: Only approvers of this group may decide this request',
    );
    const denied = await click('U-APP', 'jumpgate.request.deny', id);
    expect(denied.status).toBe(200);
    expect(await statusOf(id)).toBe('denied');
  });

  it('follows approval steps: an approver of a later step clicking early changes nothing (not_this_step)', async () => {
    const g = staticGroups(emu)[1];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    const put = await putRequestablePolicy(t, admin.token, groupId, [approver.id], {
      approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 1 }],
    });
    expect(put.status).toBe(200);
    const users = emu.emulator.store.users;
    const u = outsidersOf(emu, g).find(
      (x) =>
        x.manager >= 0 &&
        users[x.manager].state === 'ACTIVATED' &&
        users[x.manager].email !== approver.email &&
        !users.some((o) => o.email === x.email && o !== x),
    )!;
    const requester = await createPrincipal(t, { email: u.email });
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: requester.token,
      body: { groupId, durationMinutes: 10 },
    });
    expect(req.status).toBe(201);
    expect(req.body.currentStep).toBe(0);
    const res = await click('U-APP', 'jumpgate.request.approve', req.body.id);
    expect(res.status).toBe(200);
    const update = slack.calls.filter((c) => c.method === 'chat.update').pop();
    expect(String(update?.args.text)).toBe(
      "Nothing was done: The request waits on step 1 (the requester's manager); you approve step 2",
    );
    const after = await t.request('GET', `/api/v1/access-requests/${req.body.id}`, { token: admin.token });
    expect(after.body).toMatchObject({ status: 'pending', currentStep: 0, approvals: [] });
  });
});
