import { Client } from 'pg';
import { webhookSignature } from '../../src/notifications/channels/webhook.sender';
import { startApp, type TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';
import { startStandIn, type RecordedRequest, type StandIn } from '../helpers/http-stand-in';
import { createChannel, notifyNow, settled } from '../helpers/notifications';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { spawnTs, waitForExit } from '../helpers/processes';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';

jest.setTimeout(120_000);

const K1 = Buffer.alloc(32, 21).toString('base64');
const K2 = Buffer.alloc(32, 22).toString('base64');
const SECRET = 'whsec-reseal-spec-first-0001';
const NEW_SECRET = 'whsec-reseal-spec-second-0002';

/** `npm run reseal` after an ENCRYPTION_KEY rotation re-seals notification channel secrets too. */
describe('reseal of notification channel secrets', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Client;
  let t: TestApp | undefined;
  let smtp: TestSmtp;
  let receiver: StandIn;
  let recipient: TestPrincipal;
  let webhookId: string;
  let emailId: string;
  let seq = 0;

  const start = async (env: Record<string, string>) => {
    await t?.close();
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, ...env }, { databaseUrl: database.url });
    return t;
  };
  const reseal = (env: Record<string, string>) =>
    waitForExit(spawnTs('src/reseal.cli.ts', { NODE_ENV: 'test', DATABASE_URL: database.url, ...env }));
  const keyIds = async () =>
    (
      await db.query<{ id: string; key: string }>(
        `SELECT id, encode(substring(config_sealed from 2 for 8), 'hex') AS key FROM notification_channels
         WHERE deleted_at IS NULL ORDER BY id`,
      )
    ).rows;
  /** Sends one notification to `recipient` on every channel; returns the webhook request it made. */
  async function deliverOne(app: TestApp): Promise<RecordedRequest> {
    const subjectId = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
    await notifyNow(app, {
      kind: 'sync_failed',
      recipients: [recipient.id],
      subject: { type: 'sync_run', id: subjectId },
      data: { connectionName: `reseal ${seq}`, error: 'test' },
      links: { ui: '/admin/operations?status=failed', api: '/api/v1/syncs' },
    });
    const rows = await settled(app, '&kind=sync_failed');
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    await pollUntil(
      async () => smtp.mails.filter((m) => m.subject === `Directory sync failed: reseal ${seq}`),
      (m) => m.length === 1,
      () => `no mail for reseal ${seq}`,
    );
    return receiver.requests.filter((r) => r.body.includes(`"reseal ${seq}"`))[0];
  }
  const signedWith = (r: RecordedRequest, secret: string) =>
    r.headers['x-jumpgate-signature'] ===
    webhookSignature(secret, String(r.headers['x-jumpgate-timestamp']), r.body);

  beforeAll(async () => {
    smtp = await startTestSmtp();
    receiver = await startStandIn((_r, res) => {
      res.statusCode = 204;
      res.end();
    });
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await t?.close();
    await db?.end();
    await database?.drop();
    await smtp?.stop();
    await receiver?.close();
  });

  it('moves every live channel secret to the new key; the channels deliver with only that key', async () => {
    let app = await start({ ENCRYPTION_KEY: K1 });
    recipient = await createPrincipal(app);
    webhookId = await createChannel(app, 'webhook', { url: receiver.url, secret: SECRET });
    emailId = await createChannel(app, 'email', { smtpUrl: smtp.url, from: 'jumpgate@example.com' });
    // A deleted channel's config is wiped: nothing to reseal, and not "unreadable".
    const gone = await createChannel(app, 'webhook', { url: receiver.url, secret: 'whsec-deleted-0003' });
    expect(
      (await app.request('DELETE', `/api/v1/notification-channels/${gone}`, { token: BOOTSTRAP_TOKEN }))
        .status,
    ).toBe(204);
    expect(signedWith(await deliverOne(app), SECRET)).toBe(true);
    const underK1 = await keyIds();
    expect(underK1.map((r) => r.id).sort()).toEqual([webhookId, emailId].sort());

    // Rotated without the previous key, the sealed configs do not open.
    app = await start({ ENCRYPTION_KEY: K2 });
    const refused = await app.request('POST', `/api/v1/notification-channels/${webhookId}/test`, {
      token: BOOTSTRAP_TOKEN,
    });
    expect(refused.status).toBe(409);
    expect(refused.text).not.toContain(SECRET);
    await t?.close();
    t = undefined;

    const run = await reseal({ ENCRYPTION_KEY: K2, ENCRYPTION_KEY_PREVIOUS: K1 });
    expect(run.code).toBe(0);
    expect(run.output).toContain('"notificationChannels":{"resealed":2,"current":0,"unreadable":0}');
    expect(run.output).not.toContain(SECRET);
    const underK2 = await keyIds();
    for (const r of underK2) expect(r.key).not.toBe(underK1.find((x) => x.id === r.id)?.key);
    const { rows: audit } = await db.query(
      `SELECT data FROM audit_events WHERE action = 'secrets.resealed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit[0].data.notificationChannels).toEqual({ resealed: 2, current: 0, unreadable: 0 });
    expect(JSON.stringify(audit[0].data)).not.toContain(SECRET);

    // Only the new key now: both channels deliver, the webhook signed with the same secret.
    app = await start({ ENCRYPTION_KEY: K2 });
    expect(signedWith(await deliverOne(app), SECRET)).toBe(true);

    // A second run finds nothing left to do.
    expect((await reseal({ ENCRYPTION_KEY: K2 })).output).toContain(
      '"notificationChannels":{"resealed":0,"current":2,"unreadable":0}',
    );
  });

  it('delivers with a changed secret at once (the opened config is cached only while unchanged)', async () => {
    const app = t ?? (await start({ ENCRYPTION_KEY: K2 }));
    expect(signedWith(await deliverOne(app), SECRET)).toBe(true);
    const patched = await app.request('PATCH', `/api/v1/notification-channels/${webhookId}`, {
      token: BOOTSTRAP_TOKEN,
      body: { config: { secret: NEW_SECRET } },
    });
    expect(patched.status).toBe(200);
    const after = await deliverOne(app);
    expect(signedWith(after, NEW_SECRET)).toBe(true);
    expect(signedWith(after, SECRET)).toBe(false);
    expect(emailId).toBeDefined();
  });
});
