import { Client } from 'pg';
import { AUTH_CACHE_MS } from '../../src/auth/auth.service';
import { startApp, type TestApp } from '../helpers/app';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

describe('principals and API tokens', () => {
  let t: TestApp;
  let db: Client;
  let admin: TestPrincipal;
  let user: TestPrincipal;

  beforeAll(async () => {
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, LOG_LEVEL: 'debug' });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    admin = await createPrincipal(t, { roles: ['admin'] });
    user = await createPrincipal(t);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** GET /me with this token until it is refused or `ms` have passed; the last answer. */
  async function refusedWithin(token: string, ms: number, app: TestApp = t) {
    const deadline = Date.now() + ms;
    for (;;) {
      const res = await app.request('GET', '/api/v1/me', { token });
      if (res.status !== 200 || Date.now() >= deadline) return res;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('answers /me for the bootstrap admin, audited as bootstrap-admin', async () => {
    const me = await t.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email: 'bootstrap-admin',
      roles: ['admin'],
      disabled: false,
      accounts: [],
    });
    const events = await t.request(
      'GET',
      `/api/v1/audit-events?action=principal.created&targetId=${user.id}`,
      {
        token: BOOTSTRAP_TOKEN,
      },
    );
    expect(events.body.items).toHaveLength(1);
    // The bootstrap token has no token row: `via` without a tokenId.
    expect(events.body.items[0].actor).toEqual({
      type: 'principal',
      id: me.body.id,
      email: 'bootstrap-admin',
      via: 'token',
    });
  });

  it('mints a token shown once, stored only as a hash, listed without it', async () => {
    const minted = await t.request('POST', '/api/v1/me/tokens', {
      token: user.token,
      body: { name: 'laptop' },
    });
    expect(minted.status).toBe(201);
    expect(minted.body).toEqual({
      id: expect.any(String),
      name: 'laptop',
      token: expect.stringMatching(/^jgt_[A-Za-z0-9_-]{43}$/),
      prefix: minted.body.token.slice(0, 12),
      expiresAt: expect.any(String),
    });
    const days = (Date.parse(minted.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const me = await t.request('GET', '/api/v1/me', { token: minted.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);

    const list = await t.request('GET', `/api/v1/principals/${user.id}/tokens`, { token: admin.token });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((i: { id: string }) => i.id === minted.body.id);
    expect(Object.keys(listed).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt'].sort(),
    );
    expect(list.text).not.toContain(minted.body.token);

    // The plaintext is nowhere in the database: search every column of every table as text.
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const secretPart = minted.body.token.slice(12);
    for (const { table_name } of tables.rows) {
      const hit = await db.query(`SELECT 1 FROM "${table_name}" x WHERE x::text LIKE '%' || $1 || '%'`, [
        secretPart,
      ]);
      expect({ table: table_name, hits: hit.rowCount }).toEqual({ table: table_name, hits: 0 });
      const hexHit = await db.query(`SELECT 1 FROM "${table_name}" x WHERE x::text LIKE '%' || $1 || '%'`, [
        Buffer.from(minted.body.token).toString('hex'),
      ]);
      expect(hexHit.rowCount).toBe(0);
    }
    // ... nor in any log line, nor the bootstrap token.
    expect(t.logs.length).toBeGreaterThan(0);
    for (const line of t.logs) {
      expect(line).not.toContain(secretPart);
      expect(line).not.toContain(BOOTSTRAP_TOKEN);
    }
  });

  it('refuses expiresInDays over 365 and unknown fields, creating nothing', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM api_tokens');
    for (const body of [
      { name: 'x', expiresInDays: 366 },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', admin: true },
      {},
    ]) {
      const res = await t.request('POST', '/api/v1/me/tokens', { token: user.token, body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const after = await db.query('SELECT count(*)::int AS n FROM api_tokens');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses a revoked token on the next request, even one it answered a moment ago', async () => {
    const a = await t.request('POST', '/api/v1/me/tokens', { token: user.token, body: { name: 'a' } });
    // Used twice, so that the process remembers it as good...
    expect((await t.request('GET', '/api/v1/me', { token: a.body.token })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: a.body.token })).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/tokens/${a.body.id}`, { token: user.token })).status).toBe(
      204,
    );
    // ...and refused at once all the same.
    expect((await t.request('GET', '/api/v1/me', { token: a.body.token })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/reviews', { token: a.body.token })).status).toBe(401);
  });

  it('refuses a token whose expiry passed, changed behind its back, within the cache bound', async () => {
    const b = await t.request('POST', '/api/v1/me/tokens', { token: user.token, body: { name: 'b' } });
    expect((await t.request('GET', '/api/v1/me', { token: b.body.token })).status).toBe(200);
    // As another process would see it: only the database changes.
    await db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      b.body.id,
    ]);
    const since = Date.now();
    const expired = await refusedWithin(b.body.token, AUTH_CACHE_MS + 500);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(Date.now() - since).toBeLessThanOrEqual(AUTH_CACHE_MS + 500);
  });

  it('refuses in every process a token revoked through another, within the cache bound', async () => {
    const other = await startApp(
      { BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, APP_ROLE: 'api', REDIS_URL: t.redisUrl },
      { databaseUrl: t.databaseUrl },
    );
    try {
      const c = await t.request('POST', '/api/v1/me/tokens', { token: user.token, body: { name: 'c' } });
      expect((await other.request('GET', '/api/v1/me', { token: c.body.token })).status).toBe(200);
      expect((await t.request('DELETE', `/api/v1/tokens/${c.body.id}`, { token: user.token })).status).toBe(
        204,
      );
      expect((await t.request('GET', '/api/v1/me', { token: c.body.token })).status).toBe(401);
      const since = Date.now();
      expect((await refusedWithin(c.body.token, AUTH_CACHE_MS + 500, other)).status).toBe(401);
      expect(Date.now() - since).toBeLessThanOrEqual(AUTH_CACHE_MS + 500);
    } finally {
      await other.close();
    }
  });

  it('refuses a disabled principal at once, and accepts it again when re-enabled', async () => {
    const p = await createPrincipal(t);
    expect((await t.request('GET', '/api/v1/me', { token: p.token })).status).toBe(200);
    const off = await t.request('PATCH', `/api/v1/principals/${p.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(off.status).toBe(200);
    expect(off.body.disabled).toBe(true);
    expect((await t.request('GET', '/api/v1/me', { token: p.token })).status).toBe(401);
    await t.request('PATCH', `/api/v1/principals/${p.id}`, { token: admin.token, body: { disabled: false } });
    expect((await t.request('GET', '/api/v1/me', { token: p.token })).status).toBe(200);
    const audit = await t.request('GET', `/api/v1/audit-events?action=principal.updated&targetId=${p.id}`, {
      token: admin.token,
    });
    expect(
      audit.body.items.map((e: { data: { changes: { disabled: unknown } } }) => e.data.changes.disabled),
    ).toEqual([
      { from: false, to: true },
      { from: true, to: false },
    ]);
  });

  it('writes lastUsedAt at most once a minute', async () => {
    const p = await createPrincipal(t);
    await t.request('GET', '/api/v1/me', { token: p.token });
    const first = await db.query('SELECT last_used_at FROM api_tokens WHERE id = $1', [p.tokenId]);
    expect(first.rows[0].last_used_at).not.toBeNull();
    for (let i = 0; i < 5; i++) await t.request('GET', '/api/v1/me', { token: p.token });
    const again = await db.query('SELECT last_used_at FROM api_tokens WHERE id = $1', [p.tokenId]);
    expect(again.rows[0].last_used_at).toEqual(first.rows[0].last_used_at);
    // Pretend the last use was two minutes ago: the next request writes it again.
    await db.query(`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
      p.tokenId,
    ]);
    // A request within AUTH_CACHE_MS of the last lookup is answered from memory, without the database.
    await new Promise((r) => setTimeout(r, AUTH_CACHE_MS + 100));
    await t.request('GET', '/api/v1/me', { token: p.token });
    const later = await db.query('SELECT last_used_at FROM api_tokens WHERE id = $1', [p.tokenId]);
    expect(Date.now() - later.rows[0].last_used_at.getTime()).toBeLessThan(60_000);
  });

  it('audits a token an admin minted for someone else as such', async () => {
    const p = await createPrincipal(t);
    const minted = await t.request('POST', `/api/v1/principals/${p.id}/tokens`, {
      token: admin.token,
      body: { name: 'for p' },
    });
    expect(minted.status).toBe(201);
    const events = await t.request(
      'GET',
      `/api/v1/audit-events?action=token.minted&targetId=${minted.body.id}`,
      {
        token: admin.token,
      },
    );
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      actor: { type: 'principal', id: admin.id, email: admin.email },
      data: { principalId: p.id, mintedForOther: true, name: 'for p' },
    });
    expect(JSON.stringify(events.body)).not.toContain(minted.body.token);
  });

  it('lets nobody revoke another principal’s token but an admin', async () => {
    const victim = await t.request('POST', '/api/v1/me/tokens', { token: admin.token, body: { name: 'v' } });
    const auditor = await createPrincipal(t, { roles: ['auditor'] });
    expect(
      (await t.request('DELETE', `/api/v1/tokens/${victim.body.id}`, { token: user.token })).status,
    ).toBe(403);
    expect(
      (await t.request('DELETE', `/api/v1/tokens/${victim.body.id}`, { token: auditor.token })).status,
    ).toBe(403);
    expect((await t.request('GET', '/api/v1/me', { token: victim.body.token })).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/tokens/${user.tokenId}`, { token: admin.token })).status).toBe(
      204,
    );
    expect((await t.request('GET', '/api/v1/me', { token: user.token })).status).toBe(401);
    expect(
      (
        await t.request('DELETE', `/api/v1/tokens/00000000-0000-4000-8000-000000000000`, {
          token: admin.token,
        })
      ).status,
    ).toBe(404);
    expect((await t.request('DELETE', `/api/v1/tokens/not-a-uuid`, { token: admin.token })).status).toBe(400);
  });

  it('refuses a duplicate email case-insensitively with 409', async () => {
    const res = await t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: admin.email.toUpperCase() },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'email_taken' });
  });

  it('paginates principals with a cursor, oldest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { items: { id: string; createdAt: string }[]; nextCursor: string | null };
      } = await t.request('GET', `/api/v1/principals?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: admin.token,
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await db.query('SELECT id FROM principals ORDER BY created_at, id');
    expect(seen).toEqual(all.rows.map((r) => r.id));
    expect((await t.request('GET', '/api/v1/principals?limit=501', { token: admin.token })).status).toBe(400);
    expect((await t.request('GET', '/api/v1/principals?limit=0', { token: admin.token })).status).toBe(400);
    expect((await t.request('GET', '/api/v1/principals?cursor=garbage', { token: admin.token })).status).toBe(
      400,
    );
  });
});
