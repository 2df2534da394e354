import { Client } from 'pg';
import { startApp, type TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';
import { startStandIn, type StandIn } from '../helpers/http-stand-in';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';

describe('notification channels and preferences', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let receiver: StandIn;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let plain: TestPrincipal;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    receiver = await startStandIn((_r, res) => {
      res.statusCode = 204;
      res.end();
    });
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN });
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    plain = await createPrincipal(t);
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await receiver?.close();
  });

  it('creates channels with their secrets sealed: responses, the table and audit never show them', async () => {
    const secret = 'whsec-0123456789abcdef-tail';
    const created = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: { type: 'webhook', name: 'ops hook', enabled: true, config: { url: receiver.url, secret } },
    });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ url: receiver.url, secret: '***tail' });
    const slack = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: {
        type: 'slack',
        name: 'workspace',
        config: {
          botToken: 'xoxb-secret-bot-token-9876',
          signingSecret: 'signing-secret-5432',
          defaultChannel: '#access',
        },
      },
    });
    expect(slack.status).toBe(201);
    expect(slack.body.config).toEqual({
      botToken: '***9876',
      signingSecret: '***5432',
      defaultChannel: '#access',
    });
    expect(slack.body.enabled).toBe(true);

    const read = await t.request('GET', `/api/v1/notification-channels/${created.body.id}`, {
      token: auditor.token,
    });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(secret);

    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const rows = await db.query<{ sealed: string; audit: string }>(
        `SELECT encode(config_sealed, 'escape') AS sealed,
                (SELECT string_agg(data::text, ' ') FROM audit_events WHERE target_type = 'notification_channel') AS audit
         FROM notification_channels WHERE id = $1`,
        [created.body.id],
      );
      expect(rows.rows[0].sealed).not.toContain(secret);
      expect(rows.rows[0].audit).toContain('ops hook');
      expect(rows.rows[0].audit).not.toContain(secret);
      expect(rows.rows[0].audit).not.toContain('xoxb-secret-bot-token-9876');
    } finally {
      await db.end();
    }
    expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('refuses bad config with a clear 400 and creates nothing', async () => {
    const before = await t.request('GET', '/api/v1/notification-channels?limit=500', { token: admin.token });
    const cases: unknown[] = [
      { type: 'email', name: 'x', config: { from: 'a@example.com' } },
      { type: 'email', name: 'x', config: { smtpUrl: 'http://mail', from: 'a@example.com' } },
      { type: 'webhook', name: 'x', config: { url: receiver.url, secret: 'short' } },
      { type: 'webhook', name: 'x', config: { url: receiver.url, secret: '0123456789abcdef', extra: 1 } },
      { type: 'slack', name: 'x', config: { botToken: 'xoxb-1' } },
      { type: 'pager', name: 'x', config: {} },
      {
        type: 'webhook',
        name: 'x',
        config: { url: receiver.url, secret: '0123456789abcdef' },
        unknown: true,
      },
    ];
    for (const body of cases) {
      const res = await t.request('POST', '/api/v1/notification-channels', { token: admin.token, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const missing = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: { type: 'email', name: 'x', config: { from: 'a@example.com' } },
    });
    expect(missing.body.message).toContain('config.smtpUrl is required');
    const after = await t.request('GET', '/api/v1/notification-channels?limit=500', { token: admin.token });
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it('lets only admins write channels; auditors read; others get 403', async () => {
    const body = { type: 'webhook', name: 'h', config: { url: receiver.url, secret: '0123456789abcdef' } };
    for (const [who, status] of [
      [plain, 403],
      [auditor, 403],
    ] as const) {
      expect(
        (await t.request('POST', '/api/v1/notification-channels', { token: who.token, body })).status,
      ).toBe(status);
    }
    const id = (await t.request('POST', '/api/v1/notification-channels', { token: admin.token, body })).body
      .id as string;
    expect((await t.request('GET', '/api/v1/notification-channels', { token: plain.token })).status).toBe(
      403,
    );
    expect((await t.request('GET', '/api/v1/notifications', { token: plain.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/notifications', { token: auditor.token })).status).toBe(200);
    expect(
      (
        await t.request('PATCH', `/api/v1/notification-channels/${id}`, {
          token: auditor.token,
          body: { enabled: false },
        })
      ).status,
    ).toBe(403);
    expect(
      (await t.request('POST', `/api/v1/notification-channels/${id}/test`, { token: auditor.token })).status,
    ).toBe(403);
    expect(
      (await t.request('DELETE', `/api/v1/notification-channels/${id}`, { token: plain.token })).status,
    ).toBe(403);
    expect(
      (await t.request('GET', '/api/v1/notification-channels/not-a-uuid', { token: admin.token })).status,
    ).toBe(400);
    expect(
      (
        await t.request('GET', '/api/v1/notification-channels/00000000-0000-4000-8000-000000000001', {
          token: admin.token,
        })
      ).status,
    ).toBe(404);

    const patched = await t.request('PATCH', `/api/v1/notification-channels/${id}`, {
      token: admin.token,
      body: { enabled: false, config: { url: `${receiver.url}/v2` } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      config: { url: `${receiver.url}/v2`, secret: '***cdef' },
    });
    expect(
      (await t.request('DELETE', `/api/v1/notification-channels/${id}`, { token: admin.token })).status,
    ).toBe(204);
    expect(
      (await t.request('GET', `/api/v1/notification-channels/${id}`, { token: admin.token })).status,
    ).toBe(404);
  });

  it('tests a channel for real: {ok: true} when it delivers, {ok: false, error} without the secret when not', async () => {
    const good = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: { type: 'email', name: 'mail', config: { smtpUrl: smtp.url, from: 'jumpgate@example.com' } },
    });
    expect(
      (await t.request('POST', `/api/v1/notification-channels/${good.body.id}/test`, { token: admin.token }))
        .body,
    ).toEqual({
      ok: true,
    });
    const hooked = receiver.requests.length;
    const hook = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: { type: 'webhook', name: 'h', config: { url: receiver.url, secret: '0123456789abcdef' } },
    });
    const ok = await t.request('POST', `/api/v1/notification-channels/${hook.body.id}/test`, {
      token: admin.token,
    });
    expect(ok.body).toEqual({ ok: true });
    expect(receiver.requests.length).toBe(hooked + 1);
    const down = await t.request('POST', '/api/v1/notification-channels', {
      token: admin.token,
      body: {
        type: 'email',
        name: 'down',
        config: { smtpUrl: 'smtp://mailer:pw-very-secret@127.0.0.1:1', from: 'j@example.com' },
      },
    });
    expect(down.body.config.smtpUrl).toBe('***.1:1');
    const failed = await t.request('POST', `/api/v1/notification-channels/${down.body.id}/test`, {
      token: admin.token,
    });
    expect(failed.status).toBe(200);
    expect(failed.body.ok).toBe(false);
    expect(typeof failed.body.error).toBe('string');
    expect(failed.text).not.toContain('pw-very-secret');
  });

  it('keeps each person’s own preferences, and refuses to switch an always-on kind off everywhere', async () => {
    expect(
      (await t.request('GET', '/api/v1/me/notification-preferences', { token: plain.token })).body,
    ).toEqual({ kinds: {} });
    const kinds = { grant_active: { email: false }, request_to_approve: { email: false, slack: true } };
    const put = await t.request('PUT', '/api/v1/me/notification-preferences', {
      token: plain.token,
      body: { kinds },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ kinds });
    expect(
      (await t.request('GET', '/api/v1/me/notification-preferences', { token: plain.token })).body,
    ).toEqual({ kinds });
    // Another person's preferences are untouched.
    expect(
      (await t.request('GET', '/api/v1/me/notification-preferences', { token: auditor.token })).body,
    ).toEqual({ kinds: {} });

    for (const bad of [
      { request_to_approve: { email: false, slack: false } },
      { review_escalated: { email: false, slack: false } },
      { no_such_kind: { email: false } },
      { grant_active: { sms: false } },
      { grant_active: { email: 'no' } },
    ]) {
      const res = await t.request('PUT', '/api/v1/me/notification-preferences', {
        token: plain.token,
        body: { kinds: bad },
      });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const refused = await t.request('PUT', '/api/v1/me/notification-preferences', {
      token: plain.token,
      body: { kinds: { request_to_approve: { email: false, slack: false } } },
    });
    expect(refused.body.message).toContain('cannot be switched off on every channel');
    expect(
      (await t.request('GET', '/api/v1/me/notification-preferences', { token: plain.token })).body,
    ).toEqual({ kinds });
    expect((await t.request('GET', '/api/v1/me/notification-preferences')).status).toBe(401);
  });
});

describe('the default email channel', () => {
  it('is created once from SMTP_URL and MAIL_FROM, even when two processes start at once', async () => {
    const db = await createTestDatabase();
    const env = {
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'jumpgate@example.com',
      BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
    };
    const [a, b] = await Promise.all([
      startApp(env, { databaseUrl: db.url }),
      startApp(env, { databaseUrl: db.url }),
    ]);
    try {
      const list = await a.request('GET', '/api/v1/notification-channels', { token: BOOTSTRAP_TOKEN });
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({
        type: 'email',
        name: 'default email',
        enabled: true,
        config: { from: 'jumpgate@example.com' },
      });
      // A restart with an email channel in place adds none.
      const c = await startApp(env, { databaseUrl: db.url });
      await c.close();
      expect(
        (await b.request('GET', '/api/v1/notification-channels', { token: BOOTSTRAP_TOKEN })).body.items,
      ).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
