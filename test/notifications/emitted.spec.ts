import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign } from '../helpers/campaigns';
import { putRequestablePolicy, waitForGrant } from '../helpers/grants';
import { syncNow } from '../helpers/jumpcloud';
import { settled } from '../helpers/notifications';
import { localId, outsidersOf, startEmulatedOrg, staticGroups, stopEmulatedOrg } from '../helpers/org';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { type ReceivedMail, startTestSmtp, type TestSmtp } from '../helpers/smtp';

const PUBLIC_URL = 'https://jumpgate.example.test';

/** What each domain emits, in the transaction of its cause, as the people concerned receive it. */
describe('notifications emitted by the domains', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let smtp: TestSmtp;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let approver2: TestPrincipal;
  let groupIndex = 0;
  const usedUsers = new Set<string>();

  const mailsTo = (email: string, kind?: RegExp): ReceivedMail[] =>
    smtp.mails.filter((m) => m.to.includes(email) && (!kind || kind.test(m.subject)));

  async function waitForMail(email: string, subject: RegExp): Promise<ReceivedMail> {
    const [mail] = await pollUntil(
      async () => mailsTo(email, subject),
      (found) => found.length > 0,
      () =>
        `no mail to ${email} matching ${subject}: ${JSON.stringify(smtp.mails.map((m) => [m.to, m.subject]))}`,
    );
    return mail;
  }

  /** A requestable static group approved by the two approvers, and a principal outside it. */
  async function requestableGroup() {
    const g = staticGroups(emu)[groupIndex++];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    const put = await putRequestablePolicy(t, admin.token, groupId, [approver.id, approver2.id]);
    expect(put.status).toBe(200);
    const outsider = outsidersOf(emu, g).find((u) => !usedUsers.has(u.id))!;
    usedUsers.add(outsider.id);
    const requester = await createPrincipal(t, { email: outsider.email });
    return { groupId, name: g.name, requester };
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 18, sizes: { users: 40, groups: 6, membershipsPerUser: 2, admins: 1, apps: 1 } },
      {
        env: { PUBLIC_URL, SMTP_URL: smtp.url, MAIL_FROM: 'jumpgate@example.com', SYNC_RETRY_BASE_MS: '50' },
      },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await createPrincipal(t);
    approver2 = await createPrincipal(t);
  });

  afterAll(async () => {
    await stopEmulatedOrg({ db, t, emu });
    await smtp?.stop();
  });

  it('sends one campaign_assigned digest per reviewer at launch, through the default email channel', async () => {
    const revA = await createPrincipal(t);
    const revB = await createPrincipal(t);
    const c = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, { name: 'Digest review', reviewerIds: [revA.id, revB.id] }),
    );
    const rows = await settled(t, '&kind=campaign_assigned');
    expect(rows.map((r) => [r.recipientId, r.status]).sort()).toEqual(
      [
        [revA.id, 'sent'],
        [revB.id, 'sent'],
      ].sort(),
    );
    const { rows: counts } = await db.query<{ reviewer_id: string; n: number }>(
      `SELECT reviewer_id, count(*)::int AS n FROM review_items WHERE campaign_id = $1 GROUP BY reviewer_id`,
      [c.id],
    );
    for (const rev of [revA, revB]) {
      const n = counts.find((x) => x.reviewer_id === rev.id)?.n ?? 0;
      expect(n).toBeGreaterThan(1);
      const mails = mailsTo(rev.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toContain(`Access review "Digest review": ${n} items to review by`);
      expect(mails[0].text).toContain(`Open: ${PUBLIC_URL}/reviews?campaignId=${c.id}`);
    }
  });

  it('tells approvers of a request, then the requester of the decision, the grant and its end', async () => {
    const g = await requestableGroup();
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: g.requester.token,
      body: { groupId: g.groupId, durationMinutes: 30 },
    });
    expect(req.status).toBe(201);
    const requestId = req.body.id as string;
    for (const a of [approver, approver2]) {
      const mail = await waitForMail(a.email, /^Approval needed/);
      expect(mail.subject).toBe(`Approval needed: ${g.requester.email} asks for ${g.name}`);
      expect(mail.text).toContain(`${PUBLIC_URL}/requests/${requestId}`);
      expect(mail.text).toContain(`${PUBLIC_URL}/api/v1/access-requests/${requestId}`);
    }
    // The requester is not an approver of their own request.
    expect(mailsTo(g.requester.email, /^Approval needed/)).toHaveLength(0);

    const ok = await t.request('POST', `/api/v1/access-requests/${requestId}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(ok.status).toBe(200);
    await waitForMail(g.requester.email, new RegExp(`^Your request for ${g.name} was approved$`));
    await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'active');
    const active = await waitForMail(g.requester.email, new RegExp(`^Access to ${g.name} is active until`));
    expect(active.text).toContain(`${PUBLIC_URL}/access`);

    const revoked = await t.request('POST', `/api/v1/grants/${ok.body.grantId}/revoke`, {
      token: g.requester.token,
      body: { reason: 'done' },
    });
    expect(revoked.status).toBe(200);
    await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'ended');
    await waitForMail(g.requester.email, new RegExp(`^Access to ${g.name} has ended$`));
    await sleep(300);
    // Each once: the requester is also the beneficiary (one principal), so one mail per kind.
    expect(mailsTo(g.requester.email).map((m) => m.subject.split(' ')[0])).toEqual([
      'Your',
      'Access',
      'Access',
    ]);
  });

  it('tells the requester of a denial', async () => {
    const g = await requestableGroup();
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: g.requester.token,
      body: { groupId: g.groupId, durationMinutes: 10 },
    });
    const denied = await t.request('POST', `/api/v1/access-requests/${req.body.id}/deny`, {
      token: approver2.token,
      body: { comment: 'not now' },
    });
    expect(denied.status).toBe(200);
    await waitForMail(g.requester.email, new RegExp(`^Your request for ${g.name} was denied$`));
  });

  it('tells the admins of a failed remediation and the requester that the grant ended', async () => {
    const g = await requestableGroup();
    // JumpCloud refuses the add for good: the operation fails, its grant fails.
    emu.emulator.addFault({
      kind: 'server_error',
      status: 403,
      path: '/members$',
      method: 'POST',
      count: 50,
    });
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: g.requester.token,
      body: { groupId: g.groupId, durationMinutes: 10 },
    });
    const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    await waitForGrant(t, BOOTSTRAP_TOKEN, ok.body.grantId, 'failed');
    const failed = await waitForMail(admin.email, /^Remediation failed: add /);
    expect(failed.subject).toContain(`in ${g.name}`);
    expect(failed.text).toContain(`${PUBLIC_URL}/admin/operations?status=failed`);
    await waitForMail(g.requester.email, new RegExp(`^Access to ${g.name} has ended$`));
    emu.emulator.clearFaults();
  });

  it('tells the admins when a sync fails', async () => {
    emu.emulator.addFault({ kind: 'server_error', status: 403, count: 1000 });
    const run = await syncNow(t, connectionId).catch(() => undefined);
    expect(run?.status).not.toBe('succeeded');
    const mail = await waitForMail(admin.email, /^Directory sync failed/);
    expect(mail.text).toContain(`${PUBLIC_URL}/admin/connections/${connectionId}`);
    emu.emulator.clearFaults();
  });
});
