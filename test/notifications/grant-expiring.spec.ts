import { type Client } from 'pg';
import { GrantExpiryService } from '../../src/access/grant-expiry.service';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy, waitForGrant } from '../helpers/grants';
import { deliveries } from '../helpers/notifications';
import { localId, outsidersOf, startEmulatedOrg, staticGroups, stopEmulatedOrg } from '../helpers/org';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { type ReceivedMail, startTestSmtp, type TestSmtp } from '../helpers/smtp';

const PUBLIC_URL = 'https://jumpgate.example.test';

/** grant_expiring: the policy's warning window, once per grant and expiry, to requester and beneficiary. */
describe('grant_expiring', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let smtp: TestSmtp;
  let admin: TestPrincipal;
  let approver: TestPrincipal;
  let groupIndex = 0;
  const used = new Set<string>();

  const expiring = (email: string): ReceivedMail[] =>
    smtp.mails.filter(
      (m) => m.to.includes(email) && m.subject.startsWith('Access to ') && / ends /.test(m.subject),
    );

  const putPolicy = (groupId: string, fields: Record<string, unknown>) =>
    putRequestablePolicy(t, admin.token, groupId, [approver.id], fields);

  /** A static group, and a principal for an account outside it (the beneficiary). */
  async function groupAndOutsider() {
    const g = staticGroups(emu)[groupIndex++];
    const groupId = await localId(db, connectionId, 'directory_groups', g.id);
    // Groups of the seed share outsiders: each beneficiary once.
    const outsider = outsidersOf(emu, g).find((u) => !used.has(u.id))!;
    used.add(outsider.id);
    const accountId = await localId(db, connectionId, 'directory_accounts', outsider.id);
    const beneficiary = await createPrincipal(t, { email: outsider.email });
    return { groupId, name: g.name, accountId, beneficiary };
  }

  /** The admin asks for the beneficiary's account (requester ≠ beneficiary); the owner approves. */
  async function requestFor(groupId: string, accountId: string, durationMinutes: number): Promise<string> {
    const req = await t.request('POST', '/api/v1/access-requests', {
      token: admin.token,
      body: { groupId, accountId, durationMinutes },
    });
    expect(req.status).toBe(201);
    const ok = await t.request('POST', `/api/v1/access-requests/${req.body.id}/approve`, {
      token: approver.token,
      body: {},
    });
    expect(ok.status).toBe(200);
    return ok.body.grantId as string;
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 44, sizes: { users: 30, groups: 4, membershipsPerUser: 1, admins: 1, apps: 1 } },
      {
        env: {
          PUBLIC_URL,
          SMTP_URL: smtp.url,
          MAIL_FROM: 'jumpgate@example.com',
          EXPIRY_SWEEP_SECONDS: '1',
          MAX_GRANT_MINUTES: '600',
        },
      },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
    approver = await createPrincipal(t);
  });

  afterAll(async () => {
    await stopEmulatedOrg({ db, t, emu });
    await smtp?.stop();
  });

  it('validates warnBeforeExpiryMinutes (a whole number 0..MAX_GRANT_MINUTES, default 10) and changes nothing on 400', async () => {
    const { groupId } = await groupAndOutsider();
    const fresh = await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token });
    expect(fresh.body.warnBeforeExpiryMinutes).toBe(10);
    expect((await putPolicy(groupId, { warnBeforeExpiryMinutes: 30 })).status).toBe(200);
    for (const bad of [-1, 2.5, '10', 601]) {
      const res = await putPolicy(groupId, { warnBeforeExpiryMinutes: bad, requireJustification: true });
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(JSON.stringify(res.body.message)).toContain('warnBeforeExpiryMinutes');
    }
    const after = await t.request('GET', `/api/v1/groups/${groupId}/policy`, { token: admin.token });
    expect(after.body).toMatchObject({ warnBeforeExpiryMinutes: 30, requireJustification: false });
    // Left out of a PUT (which replaces the policy), it is the default again.
    expect((await putPolicy(groupId, {})).body.warnBeforeExpiryMinutes).toBe(10);
    expect((await putPolicy(groupId, { warnBeforeExpiryMinutes: 0 })).body.warnBeforeExpiryMinutes).toBe(0);
  });

  it('warns requester and beneficiary once inside the window, with the extend links, and again after an extension', async () => {
    const g = await groupAndOutsider();
    // A 3-minute grant with a 1-minute window: not yet inside it.
    expect((await putPolicy(g.groupId, { warnBeforeExpiryMinutes: 1 })).status).toBe(200);
    const grantId = await requestFor(g.groupId, g.accountId, 3);
    const active = await waitForGrant(t, BOOTSTRAP_TOKEN, grantId, 'active');
    await sleep(3_000); // three sweeps of EXPIRY_SWEEP_SECONDS=1
    expect(await deliveries(t, '&kind=grant_expiring')).toEqual([]);

    // A window wider than what is left: the next tick warns.
    expect((await putPolicy(g.groupId, { warnBeforeExpiryMinutes: 5 })).status).toBe(200);
    for (const p of [admin, g.beneficiary]) {
      const [mail] = await pollUntil(
        async () => expiring(p.email),
        (m) => m.length > 0,
        () => `no grant_expiring to ${p.email}: ${JSON.stringify(smtp.mails.map((m) => [m.to, m.subject]))}`,
      );
      expect(mail.subject).toMatch(
        new RegExp(`^Access to ${g.name} ends \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`),
      );
      expect(mail.text).toContain(`Open: ${PUBLIC_URL}/access`);
      expect(mail.text).toContain(`API: ${PUBLIC_URL}/api/v1/access-requests`);
      expect(mail.text).toContain(`"groupId": "${g.groupId}", "accountId": "${g.accountId}"`);
    }
    const rows = await pollUntil(
      () => deliveries(t, '&kind=grant_expiring'),
      (r) => r.length === 2 && r.every((n) => n.status === 'sent'),
      (r) => `deliveries: ${JSON.stringify(r)}`,
    );
    expect(rows.map((r) => r.recipientId).sort()).toEqual([admin.id, g.beneficiary.id].sort());
    const { rows: keys } = await db.query(
      `SELECT DISTINCT period FROM notifications WHERE kind = 'grant_expiring'`,
    );
    expect(keys).toEqual([{ period: active.expiresAt }]);

    // A lost marker (a restore, a crash) and two workers at once: the notification key still holds.
    await db.query(`UPDATE access_grants SET warned_expires_at = NULL WHERE id = $1`, [grantId]);
    const expiry = t.app.get(GrantExpiryService);
    await Promise.all([expiry.warnExpiringGrants(), expiry.warnExpiringGrants()]);
    await sleep(2_000);
    expect(await deliveries(t, '&kind=grant_expiring')).toHaveLength(2);
    expect(expiring(admin.email)).toHaveLength(1);
    expect(expiring(g.beneficiary.email)).toHaveLength(1);

    // An extension moves the expiry in force: one new warning for the new expiry.
    expect(await requestFor(g.groupId, g.accountId, 4)).toBe(grantId);
    const extended = await pollUntil(
      () => waitForGrant(t, BOOTSTRAP_TOKEN, grantId, 'active'),
      (x) => x.expiresAt !== active.expiresAt,
      (x) => `grant not extended: ${JSON.stringify(x)}`,
    );
    await pollUntil(
      async () => [expiring(admin.email), expiring(g.beneficiary.email)],
      ([a, b]) => a.length === 2 && b.length === 2,
      () => `no second warning: ${JSON.stringify(smtp.mails.map((m) => [m.to, m.subject]))}`,
    );
    const { rows: periods } = await db.query(
      `SELECT period, count(*)::int AS n FROM notifications WHERE kind = 'grant_expiring' GROUP BY period ORDER BY period`,
    );
    expect(periods).toEqual([
      { period: active.expiresAt, n: 2 },
      { period: extended.expiresAt, n: 2 },
    ]);
  });

  it('sends nothing for a policy with warnBeforeExpiryMinutes 0', async () => {
    const g = await groupAndOutsider();
    expect((await putPolicy(g.groupId, { warnBeforeExpiryMinutes: 0 })).status).toBe(200);
    const grantId = await requestFor(g.groupId, g.accountId, 2);
    await waitForGrant(t, BOOTSTRAP_TOKEN, grantId, 'active');
    await sleep(3_000);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM notifications WHERE kind = 'grant_expiring' AND subject_id = $1`,
      [grantId],
    );
    expect(rows[0].n).toBe(0);
    expect(expiring(g.beneficiary.email)).toHaveLength(0);
  });
});
