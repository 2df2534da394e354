import { Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { startApp, TEST_ENCRYPTION_KEY, type TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';
import { emulatorEnv, startTestEmulator, syncNow } from '../helpers/jumpcloud';
import { startEmulatedApp, stopEmulatedOrg } from '../helpers/org';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';

const OTHER_ORG = 'abcdefabcdefabcdefabcdef';

describe('connections', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  const bodies: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await t.request(method, path, { token: BOOTSTRAP_TOKEN, body });
    bodies.push(res.text);
    return res;
  };
  const sa = (over: Record<string, unknown> = {}) => ({
    name: 'Acme',
    orgId: emu.credentials.orgId,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
    ...over,
  });
  const connectionCount = async () =>
    Number((await db.query('SELECT count(*) FROM connections')).rows[0].count);

  beforeAll(async () => {
    ({ emu, t, db } = await startEmulatedApp({ seed: 21 }, { LOG_LEVEL: 'debug' }));
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('tests credentials without saving them, for both ways of connecting', async () => {
    const ok = await call('POST', '/api/v1/connections/test', sa());
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      ok: true,
      organization: { id: emu.credentials.orgId, name: expect.any(String) },
    });
    const key = await call('POST', '/api/v1/connections/test', {
      orgId: emu.credentials.orgId,
      apiKey: emu.credentials.apiKey,
    });
    expect(key.body).toMatchObject({ ok: true });
    expect(await connectionCount()).toBe(0);
  });

  it.each([
    ['bad_credentials', () => sa({ clientSecret: 'not-the-secret' })],
    ['bad_credentials', () => ({ orgId: emu.credentials.orgId, apiKey: 'jca_wrong' })],
    ['wrong_org', () => sa({ orgId: OTHER_ORG })],
  ])('says %s on a test, and refuses to create with 400 and that code', async (code, body) => {
    const tested = await call('POST', '/api/v1/connections/test', body());
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({ ok: false, code, error: expect.any(String), insights: 'unavailable' });
    const created = await call('POST', '/api/v1/connections', body());
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ statusCode: 400, code });
    expect(await connectionCount()).toBe(0);
  });

  it('says missing_permission when the role cannot read users or groups (seed 000 step 2)', async () => {
    emu.emulator.setDenied('service_account', ['groups.read']);
    try {
      const tested = await call('POST', '/api/v1/connections/test', sa());
      expect(tested.body).toMatchObject({ ok: false, code: 'missing_permission' });
      expect(tested.body.error).toMatch(/Users and Groups management/);
      const created = await call('POST', '/api/v1/connections', sa());
      expect(created.status).toBe(400);
      expect(created.body.code).toBe('missing_permission');
    } finally {
      emu.emulator.setDenied('service_account', []);
    }
  });

  it('answers 502 unavailable when JumpCloud keeps failing, creating nothing', async () => {
    emu.emulator.addFault({ kind: 'server_error', count: 1000 });
    try {
      const created = await call('POST', '/api/v1/connections', sa());
      expect(created.status).toBe(502);
      expect(created.body).toMatchObject({ statusCode: 502, code: 'unavailable' });
      const tested = await call('POST', '/api/v1/connections/test', sa());
      expect(tested.body).toMatchObject({ ok: false, code: 'unavailable' });
    } finally {
      emu.emulator.clearFaults();
    }
    expect(await connectionCount()).toBe(0);
  });

  it.each([
    [{ name: 'x', orgId: 'not-hex' }],
    [{ name: 'x', orgId: OTHER_ORG }],
    [{ name: 'x', orgId: OTHER_ORG, clientId: 'a' }],
    [{ name: 'x', orgId: OTHER_ORG, apiKey: 'k', clientId: 'a', clientSecret: 'b' }],
    [{ name: 'x', orgId: OTHER_ORG, apiKey: 'k', region: 'apac' }],
    [{ name: 'x', orgId: OTHER_ORG, apiKey: 'k', tenant: 'y' }],
    [{ orgId: OTHER_ORG, apiKey: 'k' }],
  ])('refuses a malformed body with 400: %j', async (body) => {
    const res = await call('POST', '/api/v1/connections', body);
    expect(res.status).toBe(400);
    expect(await connectionCount()).toBe(0);
  });

  let connectionId: string;

  it('creates, lists and gets a connection without its secret', async () => {
    const created = await call('POST', '/api/v1/connections', { ...sa(), syncIntervalMinutes: 15 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Acme',
      orgId: emu.credentials.orgId,
      region: 'us',
      credentialType: 'service_account',
      clientIdLast4: emu.credentials.clientId.slice(-4),
      syncIntervalMinutes: 15,
      status: 'ok',
      lastSyncAt: null,
      createdAt: expect.any(String),
      writeAccess: 'unverified',
      insights: 'readable',
      insightsCheckedAt: expect.any(String),
    });
    connectionId = created.body.id;
    const list = await call('GET', '/api/v1/connections');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([connectionId]);
    const one = await call('GET', `/api/v1/connections/${connectionId}`);
    expect(one.body).toEqual(created.body);
    const key = await call('POST', '/api/v1/connections', {
      name: 'By key',
      orgId: emu.credentials.orgId,
      apiKey: emu.credentials.apiKey,
    });
    expect(key.body).toMatchObject({
      credentialType: 'api_key',
      clientIdLast4: null,
      syncIntervalMinutes: 0,
    });
    // Stored encrypted: the secret is nowhere in the row.
    const row = await db.query(`SELECT c::text AS t, credentials FROM connections c WHERE id = $1`, [
      connectionId,
    ]);
    expect(row.rows[0].t).not.toContain(emu.credentials.clientSecret);
    expect(Buffer.from(row.rows[0].credentials).toString('latin1')).not.toContain(
      emu.credentials.clientSecret,
    );
    const audit = await call(
      'GET',
      `/api/v1/audit-events?action=connection.created&targetId=${connectionId}`,
    );
    expect(audit.body.items).toHaveLength(1);
  });

  it('rotates a secret only after testing it, keeping the organisation', async () => {
    const old = emu.credentials.clientSecret;
    emu.emulator.setCredentials({ clientSecret: `${old}-rotated` });
    const bad = await call('PATCH', `/api/v1/connections/${connectionId}`, { clientSecret: 'wrong' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_credentials');
    const fixed = await call('PATCH', `/api/v1/connections/${connectionId}`, {
      clientSecret: `${old}-rotated`,
      name: 'Acme prod',
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ name: 'Acme prod', orgId: emu.credentials.orgId });
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    for (const body of [{ orgId: OTHER_ORG }, { region: 'eu' }]) {
      expect((await call('PATCH', `/api/v1/connections/${connectionId}`, body)).status).toBe(400);
    }
  });

  it('deletes a connection: hidden, not synced, evidence kept, credentials wiped', async () => {
    const created = await call('POST', '/api/v1/connections', sa({ name: 'Temp' }));
    const id = created.body.id;
    expect((await call('DELETE', `/api/v1/connections/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/connections/${id}`)).status).toBe(404);
    expect((await call('POST', `/api/v1/connections/${id}/syncs`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/connections/${id}`)).status).toBe(404);
    const row = await db.query(`SELECT deleted_at, credentials FROM connections WHERE id = $1`, [id]);
    expect(row.rows[0]).toMatchObject({ deleted_at: expect.any(Date), credentials: null });
    const audit = await call('GET', `/api/v1/audit-events?action=connection.deleted&targetId=${id}`);
    expect(audit.body.items).toHaveLength(1);
  });

  it('never shows a secret in a response body, a log line or the audit log', async () => {
    const secrets = [
      emu.credentials.clientSecret,
      emu.credentials.clientSecret.replace(/-rotated$/, ''),
      emu.credentials.apiKey,
      ...emu.emulator.tokens.keys(),
    ];
    expect(emu.emulator.tokens.size).toBeGreaterThan(0);
    const audit = await call('GET', '/api/v1/audit-events?limit=500');
    expect(t.logs.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      for (const body of bodies) expect(body.includes(secret)).toBe(false);
      for (const line of t.logs) expect(line.includes(secret)).toBe(false);
      expect(audit.text.includes(secret)).toBe(false);
    }
  });
});

describe('connection secrets across an ENCRYPTION_KEY rotation', () => {
  it('opens secrets sealed under the previous key and reseals them under the new one', async () => {
    const emu = await startTestEmulator({ seed: 22 });
    const database = await createTestDatabase();
    let t = await startApp(emulatorEnv(emu), { databaseUrl: database.url });
    try {
      const created = await t.request('POST', '/api/v1/connections', {
        token: BOOTSTRAP_TOKEN,
        body: { name: 'r', orgId: emu.credentials.orgId, apiKey: emu.credentials.apiKey },
      });
      const id = created.body.id as string;
      const db = new Client({ connectionString: database.url });
      await db.connect();
      const sealed = async () =>
        Buffer.from(
          (await db.query('SELECT credentials FROM connections WHERE id = $1', [id])).rows[0].credentials,
        );
      const before = await sealed();
      await t.close();

      const newKey = Buffer.alloc(32, 99).toString('base64');
      t = await startApp(emulatorEnv(emu, { ENCRYPTION_KEY: newKey }), { databaseUrl: database.url });
      expect((await syncNow(t, id)).status).toBe('failed');
      await t.close();

      t = await startApp(
        emulatorEnv(emu, { ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY }),
        {
          databaseUrl: database.url,
        },
      );
      expect((await syncNow(t, id)).status).toBe('succeeded');
      // Resealed under the new key (the key id inside the sealed form changed).
      const deadline = Date.now() + 5000;
      while ((await sealed()).subarray(1, 9).equals(before.subarray(1, 9)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await sealed()).subarray(1, 9).equals(before.subarray(1, 9))).toBe(false);
      await db.end();
    } finally {
      await t.close();
      await database.drop();
      await emu.close();
    }
  });
});
