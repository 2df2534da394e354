import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { deliveries } from '../helpers/notifications';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';

const SECOND_IN_DAYS = 1 / 86_400;

/** Reminders, overdue reminders, escalation and the close, with a campaign due in seconds. */
describe('campaign reminders and escalation', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let smtp: TestSmtp;
  let admin: TestPrincipal;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 23, sizes: { users: 20, groups: 4, membershipsPerUser: 2, admins: 1, apps: 1 } },
      {
        env: { PUBLIC_URL: 'https://jg.example.test', SMTP_URL: smtp.url, MAIL_FROM: 'jumpgate@example.com' },
      },
    ));
    admin = await createPrincipal(t, { roles: ['admin'] });
  });

  afterAll(async () => {
    await stopEmulatedOrg({ db, t, emu });
    await smtp?.stop();
  });

  it('refuses bad reminder fields with 400 and creates nothing', async () => {
    const reviewer = await createPrincipal(t);
    for (const extra of [
      { reminders: { daysBeforeDue: [-1] } },
      { reminders: { overdueEveryDays: 0 } },
      { reminders: { daysBeforeDue: 'soon' } },
      { closeAfterDueDays: -2 },
      { escalateAfterDays: 'x' },
      { reminders: { everyHour: true } },
    ]) {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: admin.token,
        body: campaignBody(connectionId, admin.id, {
          reviewerIds: [reviewer.id],
          name: 'bad fields',
          ...extra,
        }),
      });
      expect({ extra, status: res.status }).toEqual({ extra, status: 400 });
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM campaigns WHERE name = 'bad fields'`);
    expect(rows[0].n).toBe(0);
  });

  it('reminds before dueAt, repeats overdue reminders, escalates to the fallback, then closes itself', async () => {
    const reviewer = await createPrincipal(t);
    const fallback = await createPrincipal(t);
    const dueAt = new Date(Date.now() + 16_000);
    const c = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, fallback.id, {
        name: 'Minutes away',
        reviewerIds: [reviewer.id],
        dueAt: dueAt.toISOString(),
        reminders: { daysBeforeDue: [1, 9 * SECOND_IN_DAYS], overdueEveryDays: 7 * SECOND_IN_DAYS },
        // After overdue-2 began (7 s) and before overdue-3 (14 s): overdue-3 goes to the new reviewer.
        escalateAfterDays: 13 * SECOND_IN_DAYS,
        closeAfterDueDays: 26 * SECOND_IN_DAYS,
      }),
    );
    expect(c.reminders).toEqual({
      daysBeforeDue: [1, 9 * SECOND_IN_DAYS],
      overdueEveryDays: 7 * SECOND_IN_DAYS,
    });
    const closed = await waitForCampaign(t, admin.token, c.id, 'closed', 90_000);
    expect(Date.parse(closed.closedAt!)).toBeGreaterThanOrEqual(dueAt.getTime() + 26_000);

    const rows = await pollUntil(
      () => deliveries(t, `&recipientId=${reviewer.id}`),
      (items) => items.every((n) => n.status !== 'pending'),
      (items) => `pending: ${JSON.stringify(items)}`,
    );
    const mine = rows as unknown as { kind: string; period: string; status: string }[];
    const kinds = mine.map((n) => `${n.kind}:${n.period}`);
    // d-0 (1 day before) was already in force at launch: the digest stands for it. The tick runs every
    // 5 s, so overdue-2 (a 6 s window before the escalation) may be missed on a loaded machine; nothing
    // after the escalation reaches the old reviewer.
    expect(kinds.filter((k) => k !== 'review_overdue:overdue-2')).toEqual([
      'campaign_assigned:',
      'review_reminder:d-1',
      'review_overdue:overdue-1',
      'review_escalated:escalation-' + reviewer.id,
    ]);
    expect(mine.every((n) => n.status === 'sent')).toBe(true);
    const subjects = smtp.mails.filter((m) => m.to[0] === reviewer.email).map((m) => m.subject.split(':')[0]);
    expect(subjects).toEqual(
      ['Access review "Minutes away"', 'Reminder', 'Overdue', 'Overdue', 'Escalated']
        .slice(0, 3)
        .concat(kinds.includes('review_overdue:overdue-2') ? ['Overdue', 'Escalated'] : ['Escalated']),
    );

    // The escalation moved every pending item to the fallback (the reviewer has no manager), once.
    const { rows: items } = await db.query<{ reviewer_id: string }>(
      `SELECT DISTINCT reviewer_id FROM review_items WHERE campaign_id = $1`,
      [c.id],
    );
    expect(items.map((i) => i.reviewer_id)).toEqual([fallback.id]);
    const { rows: audits } = await db.query(
      `SELECT data FROM audit_events WHERE action = 'campaign.escalated' AND target_id = $1`,
      [c.id],
    );
    expect(audits).toHaveLength(1);
    expect(audits[0].data.moves).toEqual([{ from: reviewer.id, to: fallback.id, items: expect.any(Number) }]);
    const toFallback = (await deliveries(t, `&recipientId=${fallback.id}`)).map(
      (n) => `${n.kind}:${n.period}`,
    );
    expect(toFallback).toContain(`review_escalated:escalation-${reviewer.id}`);
    // The overdue reminder after the escalation went to the new reviewer.
    expect(toFallback).toContain('review_overdue:overdue-3');
    expect(smtp.mails.some((m) => m.to[0] === fallback.email && m.subject.startsWith('Escalated'))).toBe(
      true,
    );
  });
});
