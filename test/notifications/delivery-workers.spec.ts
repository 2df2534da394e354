import { randomUUID } from 'node:crypto';
import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { json, startStandIn, type StandIn } from '../helpers/http-stand-in';
import { createChannel, notifyNow, settled } from '../helpers/notifications';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil, sleep } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';
import { startWorker, type WorkerProcess } from '../helpers/workers';

const SECRET = 'whsec-workers-spec-0123456789';

/** Two real worker processes deliver; Redis is flushed while deliveries are in flight. */
describe('notification delivery with worker processes', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let smtp: TestSmtp;
  let receiver: StandIn;
  const workers: WorkerProcess[] = [];
  const people: TestPrincipal[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtp();
    // Slow enough that the flush lands while sends are in flight.
    receiver = await startStandIn(async (_r, res) => {
      await sleep(150);
      json(res, 200, {});
    });
    ({ emu, t, db } = await startEmulatedOrg(
      { seed: 7, sizes: { users: 5, groups: 2, membershipsPerUser: 1, admins: 1, apps: 1 } },
      {
        env: {
          APP_ROLE: 'api',
          BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
          PUBLIC_URL: 'https://jg.example.test',
        },
        sync: false,
      },
    ));
    const env = {
      PUBLIC_URL: 'https://jg.example.test',
      SYNC_RETRY_BASE_MS: '100',
      BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
    };
    workers.push(await startWorker(t, emu, env), await startWorker(t, emu, env));
    for (let i = 0; i < 30; i += 1) people.push(await createPrincipal(t));
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stopEmulatedOrg({ db, t, emu });
    await smtp?.stop();
    await receiver?.close();
  });

  it('sends every notification exactly once per channel across two workers and a Redis flush', async () => {
    await createChannel(t, 'email', { smtpUrl: smtp.url, from: 'jumpgate@example.com' });
    await createChannel(t, 'webhook', { url: `${receiver.url}/hook`, secret: SECRET });
    const campaignId = randomUUID();
    const ids = await notifyNow(t, {
      kind: 'campaign_assigned',
      recipients: people.map((p) => p.id),
      subject: { type: 'campaign', id: campaignId },
      data: { campaignName: 'Workers', dueAt: '2027-02-01T00:00:00Z', items: 1 },
      links: { ui: `/reviews?campaignId=${campaignId}`, api: `/api/v1/reviews?campaignId=${campaignId}` },
    });
    expect(ids).toHaveLength(60);
    // Wait until deliveries have started but not finished, then lose every job Redis held.
    await pollUntil(
      async () => receiver.requests.length,
      (n) => n >= 3,
      (n) => `only ${n} webhook deliveries started`,
    );
    await flushTestRedis(t.redisUrl);
    const rows = await settled(t, '&kind=campaign_assigned', 90_000);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(60);
    await sleep(1000);
    const byDelivery = new Map<string, number>();
    for (const r of receiver.requests) {
      const id = String(r.headers['x-jumpgate-delivery']);
      byDelivery.set(id, (byDelivery.get(id) ?? 0) + 1);
    }
    expect(byDelivery.size).toBe(30);
    expect([...byDelivery.values()].every((n) => n === 1)).toBe(true);
    const mailsTo = smtp.mails.map((m) => m.to[0]).sort();
    expect(mailsTo).toEqual(people.map((p) => p.email).sort());
    // Both processes delivered (the queue is shared, not owned by one of them).
    const { rows: sent } = await db.query(
      `SELECT count(*)::int AS n FROM notifications WHERE status = 'sent'`,
    );
    expect(sent[0].n).toBe(60);
  });
});
