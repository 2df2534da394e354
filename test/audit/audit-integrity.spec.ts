import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { checkpointMessage, type Checkpoint } from '../../src/audit/audit-checkpoint';
import { AuditService } from '../../src/audit/audit.service';
import { systemActor } from '../../src/platform/actor';
import { startApp, type TestApp } from '../helpers/app';
import { adminUrlFor } from '../helpers/database';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  return c;
}

/** What a tamperer holding the owner's credentials does: triggers off, rows gone, triggers on. */
async function ownerWithoutTriggers(t: TestApp, sql: string, params: unknown[]): Promise<void> {
  const owner = await connect(t.ownerDatabaseUrl);
  try {
    await owner.query('BEGIN');
    await owner.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await owner.query(sql, params);
    await owner.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await owner.query('COMMIT');
  } finally {
    await owner.end();
  }
}

describe('audit log against its own database role, with signed checkpoints', () => {
  let t: TestApp;
  let runtime: Client;
  let auditor: TestPrincipal;
  let admin: TestPrincipal;
  let plain: TestPrincipal;

  beforeAll(async () => {
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, APP_ROLE: 'api' });
    runtime = await connect(t.databaseUrl);
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    admin = await createPrincipal(t, { roles: ['admin'] });
    plain = await createPrincipal(t);
  });

  afterAll(async () => {
    await runtime?.end();
    await t?.close();
  });

  const record = async (n: number, action = 'test.integrity') => {
    const audit = t.app.get(AuditService);
    await t.app.get(DataSource).transaction((m) =>
      audit.recordMany(
        m,
        systemActor('test'),
        Array.from({ length: n }, (_, i) => ({ action, data: { i } })),
      ),
    );
  };
  const checkpoint = async (): Promise<Checkpoint> => {
    const res = await t.request('GET', '/api/v1/audit-events/checkpoint', { token: auditor.token });
    expect(res.status).toBe(200);
    return res.body as Checkpoint;
  };
  const postVerify = (checkpoints: unknown[]) =>
    t.request('POST', '/api/v1/audit-events/verify', { token: auditor.token, body: { checkpoints } });
  const asOwnerWithoutTriggers = (sql: string, params: unknown[] = []) =>
    ownerWithoutTriggers(t, sql, params);

  it('runs as a role that cannot disable the triggers, bypass them or own anything', async () => {
    const who = await runtime.query<{ user: string; owner: string; super: boolean }>(
      `SELECT current_user AS user, pg_get_userbyid(c.relowner) AS owner, r.rolsuper AS super
       FROM pg_class c, pg_roles r WHERE c.oid = 'audit_events'::regclass AND r.rolname = current_user`,
    );
    expect(who.rows[0].user).not.toBe(who.rows[0].owner);
    expect(who.rows[0].super).toBe(false);
    await expect(runtime.query('ALTER TABLE audit_events DISABLE TRIGGER USER')).rejects.toThrow(
      /must be owner/,
    );
    await expect(runtime.query('SET session_replication_role = replica')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      runtime.query(`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)`),
    ).rejects.toThrow(/permission denied/);
    await expect(runtime.query('DROP TABLE audit_events')).rejects.toThrow(/must be owner/);
    await expect(runtime.query('CREATE TABLE mine (x int)')).rejects.toThrow(/permission denied/);
    // ANALYZE needs ownership (skipped with a warning otherwise): the server asks the owner's function,
    // which analyses jumpgate's tables and nothing else.
    await runtime.query(`SELECT jumpgate_analyze('principals', 'api_tokens')`);
    const analysed = await runtime.query(
      `SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname IN ('principals', 'api_tokens')
         AND last_analyze IS NOT NULL`,
    );
    expect(analysed.rows[0].n).toBe(2);
    await expect(runtime.query(`SELECT jumpgate_analyze('pg_catalog.pg_class')`)).rejects.toThrow(
      /not a table of jumpgate/,
    );
    await expect(runtime.query(`SELECT jumpgate_grant_app_role()`)).rejects.toThrow(/permission denied/);
    // It still does its job: reads, inserts and updates the other tables.
    expect((await runtime.query('SELECT count(*)::int AS n FROM principals')).rows[0].n).toBeGreaterThan(0);
  });

  it('signs a checkpoint of the head that verifies offline with the published public key', async () => {
    await record(3);
    const cp = await checkpoint();
    const head = await runtime.query<{ seq: string; id: string; hash: string; n: number }>(
      `SELECT seq, id, hash, (SELECT count(*)::int FROM audit_events) AS n FROM audit_events ORDER BY seq DESC LIMIT 1`,
    );
    expect(cp).toMatchObject({
      seq: Number(head.rows[0].seq),
      headId: head.rows[0].id,
      hash: head.rows[0].hash,
      count: head.rows[0].n,
    });
    const pk = await t.request('GET', '/api/v1/audit-events/public-key', { token: auditor.token });
    expect(pk.status).toBe(200);
    expect(pk.body.keyId).toBe(cp.keyId);
    const ok = verifySignature(
      null,
      checkpointMessage(cp),
      createPublicKey(pk.body.publicKeyPem as string),
      Buffer.from(cp.signature, 'base64'),
    );
    expect(ok).toBe(true);
    const keys = await t.request('GET', '/api/v1/audit-events/public-keys', { token: admin.token });
    expect(keys.body).toEqual({
      items: [{ keyId: cp.keyId, publicKeyPem: pk.body.publicKeyPem, current: true }],
    });
    // Signing is not persistence: no secret material anywhere in the answers.
    expect(JSON.stringify([cp, pk.body, keys.body])).not.toMatch(/PRIVATE/);
  });

  it('reports truncated when the newest events were deleted by the owner, which the chain alone misses', async () => {
    await record(2);
    const earlier = await checkpoint();
    await record(5);
    const latest = await checkpoint();
    const intact = await postVerify([earlier, latest]);
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ ok: true, truncated: false, checkpointFailures: [] });

    // The runtime role cannot do this (previous test); the owner can.
    await asOwnerWithoutTriggers(
      `DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 3)`,
    );
    const chainOnly = await t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
    expect(chainOnly.body).toMatchObject({ ok: true, firstBrokenId: null });

    const res = await postVerify([earlier, latest]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      truncated: true,
      firstBrokenId: null,
      checkpointFailures: [{ seq: latest.seq, reason: 'missing' }],
    });
    // The earlier checkpoint still holds: the cut is after it.
    expect((await postVerify([earlier])).body).toMatchObject({ ok: true, truncated: false });
  });

  it('names a checkpoint whose event was rewritten, and one with fewer events before it', async () => {
    await record(4);
    const cp = await checkpoint();
    await record(1);
    await asOwnerWithoutTriggers(`UPDATE audit_events SET hash = repeat('0', 64) WHERE seq = $1`, [cp.seq]);
    const rewritten = await postVerify([cp]);
    expect(rewritten.body).toMatchObject({
      ok: false,
      truncated: false,
      checkpointFailures: [{ seq: cp.seq, reason: 'hash_mismatch' }],
    });
    expect(rewritten.body.firstBrokenId).toBe(cp.headId);
    expect(rewritten.body.firstBrokenReason).toBe('hash_mismatch');

    // An event from before the checkpoint deleted: its head is intact, but it counted one more.
    await record(1);
    const later = await checkpoint();
    const victim = await runtime.query<{ seq: string }>(
      `SELECT seq FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT 1`,
      [later.seq],
    );
    await asOwnerWithoutTriggers(`DELETE FROM audit_events WHERE seq = $1`, [victim.rows[0].seq]);
    const fewer = await postVerify([later]);
    expect(fewer.body).toMatchObject({
      ok: false,
      truncated: true,
      checkpointFailures: [{ seq: later.seq, reason: 'count_mismatch' }],
    });
  });

  it('refuses checkpoints it did not sign and malformed bodies', async () => {
    const cp = await checkpoint();
    const forged = await postVerify([
      { ...cp, count: cp.count + 1 },
      { ...cp, seq: cp.seq + 1, keyId: 'ffffffffffffffff' },
    ]);
    expect(forged.status).toBe(200);
    expect(forged.body.checkpointFailures).toEqual([
      { seq: cp.seq, reason: 'bad_signature' },
      { seq: cp.seq + 1, reason: 'unknown_key' },
    ]);
    expect(forged.body.ok).toBe(false);
    for (const bad of [
      {},
      { checkpoints: 'x' },
      { checkpoints: [{ ...cp, seq: -1 }] },
      { checkpoints: [{ ...cp, hash: 'zz' }] },
      { checkpoints: [{ ...cp, extra: 1 }] },
      { checkpoints: [cp], extra: true },
    ]) {
      const res = await t.request('POST', '/api/v1/audit-events/verify', { token: auditor.token, body: bad });
      expect(res.status).toBe(400);
    }
  });

  it('lets only admins and auditors read checkpoints and keys or verify', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/audit-events/checkpoint'],
      ['GET', '/api/v1/audit-events/public-key'],
      ['GET', '/api/v1/audit-events/public-keys'],
      ['POST', '/api/v1/audit-events/verify'],
    ]) {
      const body = method === 'POST' ? { checkpoints: [] } : undefined;
      expect((await t.request(method, path, { token: plain.token, body })).status).toBe(403);
      expect((await t.request(method, path, { body })).status).toBe(401);
      expect((await t.request(method, path, { token: admin.token, body })).status).toBe(200);
    }
  });

  it('answers a second verify in the same process with 429 and Retry-After while one runs', async () => {
    // The owner holds a lock that makes the first verify's read wait, so the two overlap for sure.
    const owner = await connect(t.ownerDatabaseUrl);
    const superuser = await connect(adminUrlFor(t.databaseName));
    try {
      await owner.query('BEGIN');
      await owner.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
      const first = t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
      for (let i = 0; ; i++) {
        const waiting = await superuser.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
             AND query LIKE '%FROM audit_events%' AND usename = $1`,
          [new URL(t.databaseUrl).username],
        );
        if (waiting.rowCount) break;
        if (i > 200) throw new Error('the first verify never reached the database');
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const [method, body] of [
        ['GET', undefined],
        ['POST', { checkpoints: [] }],
      ] as const) {
        const second = await t.request(method, '/api/v1/audit-events/verify', { token: admin.token, body });
        expect(second.status).toBe(429);
        expect(second.body.code).toBe('verify_in_progress');
        expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      await owner.query('COMMIT');
      expect((await first).status).toBe(200);
    } finally {
      await owner.query('ROLLBACK').catch(() => undefined);
      await owner.end();
      await superuser.end();
    }
    // Once it ended, the next one runs.
    expect((await t.request('GET', '/api/v1/audit-events/verify', { token: admin.token })).status).toBe(200);
  });
});

describe('audit actor: how the caller authenticated', () => {
  let t: TestApp;
  let runtime: Client;
  let auditor: TestPrincipal;
  let admin: TestPrincipal;

  beforeAll(async () => {
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, APP_ROLE: 'api' });
    runtime = await connect(t.databaseUrl);
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    admin = await createPrincipal(t, { roles: ['admin'] });
    const audit = t.app.get(AuditService);
    await t.app
      .get(DataSource)
      .transaction((m) => audit.record(m, systemActor('test'), { action: 'test.integrity' }));
  });

  afterAll(async () => {
    await runtime?.end();
    await t?.close();
  });

  const asOwnerWithoutTriggers = (sql: string, params: unknown[] = []) =>
    ownerWithoutTriggers(t, sql, params);

  it('records how each actor authenticated, inside the hashed event', async () => {
    const created = await t.request('POST', '/api/v1/principals', {
      token: admin.token,
      body: { email: `via.${Date.now()}@example.com` },
    });
    expect(created.status).toBe(201);
    const byBootstrap = await t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: `via.boot.${Date.now()}@example.com` },
    });
    const events = await t.request('GET', `/api/v1/audit-events?action=principal.created&limit=500`, {
      token: auditor.token,
    });
    const of = (id: string) =>
      (events.body.items as { targetId: string; actor: Record<string, unknown> }[]).find(
        (e) => e.targetId === id,
      );
    expect(of(created.body.id)?.actor).toEqual({
      type: 'principal',
      id: admin.id,
      email: admin.email,
      via: 'token',
      tokenId: admin.tokenId,
    });
    // The bootstrap token has no token row.
    expect(of(byBootstrap.body.id)?.actor).toMatchObject({ type: 'principal', via: 'token' });
    expect(of(byBootstrap.body.id)?.actor).not.toHaveProperty('tokenId');
    const system = await t.request('GET', '/api/v1/audit-events?action=test.integrity&limit=1', {
      token: auditor.token,
    });
    expect(system.body.items[0].actor).toEqual({ type: 'system', id: 'test', email: null, via: 'system' });

    // Stored with the event and covered by its hash: changing how it authenticated breaks the chain.
    const before = await t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
    expect(before.body).toMatchObject({ ok: true, firstBrokenId: null });
    const stored = await runtime.query(`SELECT seq, id, actor_auth FROM audit_events WHERE target_id = $1`, [
      created.body.id,
    ]);
    expect(stored.rows[0].actor_auth).toEqual({ via: 'token', tokenId: admin.tokenId });
    await asOwnerWithoutTriggers(
      `UPDATE audit_events SET actor_auth = '{"via":"session","sessionId":"x"}' WHERE seq = $1`,
      [stored.rows[0].seq],
    );
    const after = await t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
    expect(after.body).toMatchObject({
      ok: false,
      firstBrokenId: stored.rows[0].id,
      firstBrokenReason: 'hash_mismatch',
    });
  });
});
