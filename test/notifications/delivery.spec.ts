import { createHmac, randomUUID } from 'node:crypto';
import { startApp, type TestApp } from '../helpers/app';
import { json, startStandIn, type StandIn } from '../helpers/http-stand-in';
import {
  createChannel,
  deliveries,
  notifyNow,
  settled,
  type SlackStandIn,
  startSlackStandIn,
} from '../helpers/notifications';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';

const PUBLIC_URL = 'https://jumpgate.example.test';
const WEBHOOK_SECRET = 'whsec-delivery-spec-0123456789';

describe('notification delivery', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let slack: SlackStandIn;
  let reviewerA: TestPrincipal;
  let reviewerB: TestPrincipal;
  let admin: TestPrincipal;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    slack = await startSlackStandIn();
    t = await startApp({
      BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
      PUBLIC_URL,
      SLACK_API_URL: `${slack.url}/api/`,
      SYNC_RETRY_BASE_MS: '50',
      NOTIFICATION_TIMEOUT_MS: '700',
    });
    reviewerA = await createPrincipal(t, { displayName: 'Reviewer A' });
    reviewerB = await createPrincipal(t, { displayName: 'Reviewer B' });
    admin = await createPrincipal(t, { roles: ['admin'] });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await slack?.close();
  });

  // Every enabled channel receives every notification: each test keeps only its own enabled.
  beforeEach(async () => {
    const list = await t.request('GET', '/api/v1/notification-channels?limit=500', {
      token: BOOTSTRAP_TOKEN,
    });
    for (const c of list.body.items as { id: string; enabled: boolean }[]) {
      if (c.enabled) {
        await t.request('PATCH', `/api/v1/notification-channels/${c.id}`, {
          token: BOOTSTRAP_TOKEN,
          body: { enabled: false },
        });
      }
    }
  });

  function digest(campaignId: string, recipients: TestPrincipal[]) {
    return {
      kind: 'campaign_assigned' as const,
      recipients: recipients.map((r, i) => ({ id: r.id, data: { items: i + 2 } })),
      subject: { type: 'campaign', id: campaignId },
      data: { campaignName: 'Q1 access review', dueAt: '2027-01-31T17:00:00.000Z', items: 0 },
      links: { ui: `/reviews?campaignId=${campaignId}`, api: `/api/v1/reviews?campaignId=${campaignId}` },
    };
  }

  it('emails each reviewer one digest naming the campaign and due date, with absolute links; a repeat sends nothing', async () => {
    await createChannel(t, 'email', { smtpUrl: smtp.url, from: 'jumpgate@example.com' });
    const campaignId = randomUUID();
    const before = smtp.mails.length;
    const ids = await notifyNow(t, digest(campaignId, [reviewerA, reviewerB]));
    expect(ids).toHaveLength(2);
    const rows = await settled(t, `&kind=campaign_assigned`);
    const mine = rows.filter((r) => ids.includes(r.id));
    expect(mine.map((r) => r.status)).toEqual(['sent', 'sent']);
    const mails = smtp.mails.slice(before);
    expect(mails.map((m) => m.to).sort()).toEqual([[reviewerA.email], [reviewerB.email]].sort());
    const toA = mails.find((m) => m.to[0] === reviewerA.email);
    expect(toA?.from).toBe('jumpgate@example.com');
    expect(toA?.subject).toBe('Access review "Q1 access review": 2 items to review by 2027-01-31 17:00 UTC');
    expect(toA?.text).toContain(`Open: ${PUBLIC_URL}/reviews?campaignId=${campaignId}`);
    expect(toA?.text).toContain(`API: ${PUBLIC_URL}/api/v1/reviews?campaignId=${campaignId}`);
    expect(mails.find((m) => m.to[0] === reviewerB.email)?.subject).toContain('3 items');

    // The same key again (a replayed event): no row, no mail.
    expect(await notifyNow(t, digest(campaignId, [reviewerA, reviewerB]))).toEqual([]);
    await sleep(500);
    expect(smtp.mails.length).toBe(before + 2);
  });

  it('records `suppressed` where a preference says no, except for break_glass_used', async () => {
    await createChannel(t, 'email', { smtpUrl: smtp.url, from: 'jumpgate@example.com' });
    const put = await t.request('PUT', '/api/v1/me/notification-preferences', {
      token: reviewerA.token,
      body: { kinds: { grant_active: { email: false }, break_glass_used: { email: false } } },
    });
    expect(put.status).toBe(200);
    const subject = { type: 'grant', id: randomUUID() };
    const base = {
      subject,
      data: { groupName: 'db-admins', accountEmail: reviewerA.email },
      links: { ui: '/access', api: `/api/v1/grants/${subject.id}` },
    };
    const before = smtp.mails.length;
    await notifyNow(t, { ...base, kind: 'grant_active', recipients: [reviewerA.id, reviewerB.id] });
    await notifyNow(t, { ...base, kind: 'break_glass_used', recipients: [reviewerA.id] });
    const active = await settled(t, `&kind=grant_active&recipientId=${reviewerA.id}`);
    expect(active.map((r) => r.status)).toEqual(['suppressed']);
    expect((await settled(t, `&kind=grant_active&recipientId=${reviewerB.id}`)).map((r) => r.status)).toEqual(
      ['sent'],
    );
    expect(
      (await settled(t, `&kind=break_glass_used&recipientId=${reviewerA.id}`)).map((r) => r.status),
    ).toEqual(['sent']);
    const subjects = smtp.mails.slice(before).map((m) => `${m.to[0]} ${m.subject}`);
    expect(subjects.sort()).toEqual(
      [
        `${reviewerB.email} Access to db-admins is active until no date set`,
        `${reviewerA.email} Break-glass access: ${reviewerA.email} in db-admins`,
      ].sort(),
    );
  });

  it('goes to every admin for the admins’ kinds', async () => {
    await createChannel(t, 'email', { smtpUrl: smtp.url, from: 'jumpgate@example.com' });
    const runId = randomUUID();
    await notifyNow(t, {
      kind: 'sync_failed',
      recipients: { admins: true },
      subject: { type: 'sync_run', id: runId },
      data: { connectionName: 'Acme', error: 'JumpCloud unavailable' },
      links: { ui: '/admin/connections/x', api: `/api/v1/syncs/${runId}` },
    });
    const rows = await settled(t, '&kind=sync_failed');
    expect(rows.map((r) => r.recipientId)).toContain(admin.id);
    expect(rows.map((r) => r.recipientId)).not.toContain(reviewerA.id);
    // The bootstrap principal has no mailbox.
    expect(
      smtp.mails.filter((m) => m.subject === 'Directory sync failed: Acme').map((m) => m.to[0]),
    ).toContain(admin.email);
  });

  it('delivers once when the SMTP server comes back after being down for a while', async () => {
    const down = await startTestSmtp();
    const port = down.port;
    await createChannel(t, 'email', { smtpUrl: down.url, from: 'jumpgate@example.com' });
    await down.stop();
    const subject = { type: 'campaign', id: randomUUID() };
    const [id] = await notifyNow(t, {
      kind: 'campaign_launch_failed',
      recipients: [admin.id],
      subject,
      data: { campaignName: 'Lost', error: 'stale directory' },
      links: { ui: `/admin/campaigns/${subject.id}`, api: `/api/v1/campaigns/${subject.id}` },
    });
    await pollUntil(
      () => deliveries(t, '&kind=campaign_launch_failed'),
      (items) => (items.find((n) => n.id === id)?.attempts ?? 0) >= 2,
      (items) => `no failed attempts yet: ${JSON.stringify(items)}`,
    );
    const waiting = (await deliveries(t, '&kind=campaign_launch_failed')).find((n) => n.id === id);
    expect(waiting?.status).toBe('pending');
    expect(waiting?.lastError).toBeTruthy();
    await down.start();
    expect(down.port).toBe(port);
    const rows = await settled(t, '&kind=campaign_launch_failed');
    expect(rows.find((n) => n.id === id)?.status).toBe('sent');
    await sleep(500);
    expect(down.mails.map((m) => m.to)).toEqual([[admin.email]]);
    await down.stop();
  });

  describe('webhooks', () => {
    let receiver: StandIn;
    let answers: number[];
    let delayMs: number[];

    beforeAll(async () => {
      receiver = await startStandIn(async (r, res) => {
        const delay = delayMs.shift() ?? 0;
        if (delay) await sleep(delay);
        const ts = String(r.headers['x-jumpgate-timestamp']);
        const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
        const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
        if (r.headers['x-jumpgate-signature'] !== expected || !fresh)
          return json(res, 401, { error: 'bad signature' });
        json(res, answers.shift() ?? 200, {});
      });
    });
    afterAll(async () => receiver?.close());
    beforeEach(() => {
      receiver.requests.length = 0;
      answers = [];
      delayMs = [];
    });

    it('signs the body, keeps the delivery id across retries, and counts one accepted delivery after 500 then 200', async () => {
      await createChannel(t, 'webhook', { url: `${receiver.url}/hook`, secret: WEBHOOK_SECRET });
      answers = [500, 200];
      const requestId = randomUUID();
      const [id] = await notifyNow(t, {
        kind: 'request_to_approve',
        recipients: [reviewerA.id],
        subject: { type: 'access_request', id: requestId },
        data: { requestId, groupName: 'db-admins', requesterEmail: reviewerB.email },
        links: { ui: `/requests/${requestId}`, api: `/api/v1/access-requests/${requestId}` },
      });
      const [row] = (await settled(t, '&kind=request_to_approve')).filter((n) => n.id === id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      await sleep(300);
      expect(receiver.requests).toHaveLength(2);
      expect(receiver.requests.map((r) => r.headers['x-jumpgate-delivery'])).toEqual([id, id]);
      const body = JSON.parse(receiver.requests[1].body);
      expect(body).toEqual({
        id,
        kind: 'request_to_approve',
        occurredAt: expect.any(String),
        recipient: { id: reviewerA.id, email: reviewerA.email },
        subject: { type: 'access_request', id: requestId },
        data: { requestId, groupName: 'db-admins', requesterEmail: reviewerB.email },
        links: {
          ui: `${PUBLIC_URL}/requests/${requestId}`,
          api: `${PUBLIC_URL}/api/v1/access-requests/${requestId}`,
        },
      });
    });

    it('retries a receiver too slow to answer, and ends `failed` with the error after the bounded attempts', async () => {
      await createChannel(t, 'webhook', { url: `${receiver.url}/slow`, secret: WEBHOOK_SECRET });
      delayMs = [2000];
      const subject = { type: 'grant', id: randomUUID() };
      const [slow] = await notifyNow(t, {
        kind: 'grant_ended',
        recipients: [reviewerA.id],
        subject,
        data: { groupName: 'ops' },
        links: { ui: '/access', api: `/api/v1/grants/${subject.id}` },
      });
      const [row] = (await settled(t, '&kind=grant_ended')).filter((n) => n.id === slow);
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
      expect(new Set(receiver.requests.map((r) => r.headers['x-jumpgate-delivery']))).toEqual(
        new Set([slow]),
      );

      receiver.requests.length = 0;
      answers = Array.from({ length: 20 }, () => 503);
      const other = { type: 'grant', id: randomUUID() };
      const [failing] = await notifyNow(t, {
        kind: 'grant_ended',
        recipients: [reviewerB.id],
        subject: other,
        data: { groupName: 'ops' },
        links: { ui: '/access', api: `/api/v1/grants/${other.id}` },
      });
      const [failed] = (await settled(t, '&kind=grant_ended', 60_000)).filter((n) => n.id === failing);
      expect(failed).toMatchObject({ status: 'failed', attempts: 8, lastError: 'webhook answered HTTP 503' });
      await sleep(500);
      expect(receiver.requests).toHaveLength(8);
    });
  });

  it('sends a Slack DM to the person found by email, else to the default channel; the token stays secret', async () => {
    const botToken = 'xoxb-delivery-spec-secret-token';
    slack.users[reviewerA.email.toLowerCase()] = 'U-A';
    slack.calls.length = 0;
    await createChannel(t, 'slack', {
      botToken,
      signingSecret: 'signing-secret-0000',
      defaultChannel: 'C-ACCESS',
    });
    const requestId = randomUUID();
    const ids = await notifyNow(t, {
      kind: 'request_to_approve',
      recipients: [reviewerA.id, reviewerB.id],
      subject: { type: 'access_request', id: requestId },
      data: { requestId, groupName: 'db-admins', requesterEmail: admin.email },
      links: { ui: `/requests/${requestId}`, api: `/api/v1/access-requests/${requestId}` },
    });
    const rows = (await settled(t, '&kind=request_to_approve')).filter((n) => ids.includes(n.id));
    expect(rows.map((r) => [r.status, r.lastError])).toEqual([
      ['sent', null],
      ['sent', null],
    ]);
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((p) => p.args.channel).sort()).toEqual(['C-ACCESS', 'D-U-A']);
    expect(slack.calls.every((c) => c.token === botToken)).toBe(true);
    const dm = posts.find((p) => p.args.channel === 'D-U-A');
    expect(dm?.args.text).toBe(`Approval needed: ${admin.email} asks for db-admins`);
    const buttons = JSON.stringify(dm?.args.blocks);
    expect(buttons).toContain('jumpgate.request.approve');
    expect(buttons).toContain(`${PUBLIC_URL}/requests/${requestId}`);
    expect(t.logs.join('\n')).not.toContain(botToken);
  });
});
