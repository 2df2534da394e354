import { Client } from 'pg';
import { type VerifyResult } from '../../src/audit/audit-integrity.service';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { systemActor } from '../../src/platform/actor';
import { startApp, type TestApp } from '../helpers/app';
import { adminUrlFor } from '../helpers/database';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

describe('audit log', () => {
  let t: TestApp;
  let app: Client;
  let auditor: TestPrincipal;
  let plain: TestPrincipal;

  beforeAll(async () => {
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN });
    app = new Client({ connectionString: t.databaseUrl });
    await app.connect();
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    plain = await createPrincipal(t);
  });

  afterAll(async () => {
    await app?.end();
    await t?.close();
  });

  const verify = async () => {
    const res = await t.request('GET', '/api/v1/audit-events/verify', { token: auditor.token });
    expect(res.status).toBe(200);
    return res.body as VerifyResult;
  };

  it('refuses UPDATE, DELETE and TRUNCATE through the application role, and its triggers the owner', async () => {
    const { rows } = await app.query('SELECT count(*)::int AS n FROM audit_events');
    expect(rows[0].n).toBeGreaterThan(0);
    // The server's role lacks the privileges; the owner has them, and the triggers refuse it.
    await expect(app.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`DELETE FROM audit_events`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`TRUNCATE audit_events`)).rejects.toThrow(/permission denied/);
    const owner = new Client({ connectionString: t.ownerDatabaseUrl });
    await owner.connect();
    try {
      await expect(owner.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    } finally {
      await owner.end();
    }
    const after = await app.query('SELECT count(*)::int AS n FROM audit_events');
    expect(after.rows[0].n).toBe(rows[0].n);
  });

  it('keeps one unforked chain under 50 concurrent writers', async () => {
    const audit = t.app.get(AuditService);
    const ds = t.app.get(DataSource);
    const before = await verify();
    expect(before.ok).toBe(true);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ds.transaction((m) =>
          audit.record(m, systemActor('test'), { action: 'test.concurrent', data: { i } }),
        ),
      ),
    );
    const after = await verify();
    expect(after).toMatchObject({ ok: true, firstBrokenId: null, checked: before.checked + 50 });
    const { rows } = await app.query(
      `SELECT count(*)::int AS n, count(DISTINCT prev_hash)::int AS d FROM audit_events WHERE prev_hash IS NOT NULL`,
    );
    expect(rows[0].d).toBe(rows[0].n);
    const head = await app.query('SELECT id FROM audit_events ORDER BY seq DESC LIMIT 1');
    expect(after.headId).toBe(head.rows[0].id);
  });

  it('rolls an event back with the action that failed', async () => {
    const audit = t.app.get(AuditService);
    const ds = t.app.get(DataSource);
    const before = await verify();
    await expect(
      ds.transaction(async (m) => {
        await audit.record(m, systemActor('test'), { action: 'test.rolledback' });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    const res = await t.request('GET', '/api/v1/audit-events?action=test.rolledback', {
      token: auditor.token,
    });
    expect(res.body.items).toEqual([]);
    expect((await verify()).checked).toBe(before.checked);
  });

  it('filters and pages events in id order', async () => {
    const all = await t.request('GET', '/api/v1/audit-events?action=test.concurrent&limit=500', {
      token: auditor.token,
    });
    expect(all.body.items).toHaveLength(50);
    const ids = all.body.items.map((e: { id: string }) => e.id);
    expect([...ids].sort()).toEqual(ids);
    const page1 = await t.request('GET', '/api/v1/audit-events?action=test.concurrent&limit=20', {
      token: auditor.token,
    });
    const page2 = await t.request(
      'GET',
      `/api/v1/audit-events?action=test.concurrent&limit=20&cursor=${page1.body.nextCursor}`,
      { token: auditor.token },
    );
    expect([...page1.body.items, ...page2.body.items].map((e: { id: string }) => e.id)).toEqual(
      ids.slice(0, 40),
    );
    const byActor = await t.request('GET', `/api/v1/audit-events?actorId=test`, { token: auditor.token });
    expect(byActor.body.items.every((e: { actor: { id: string } }) => e.actor.id === 'test')).toBe(true);
    const future = await t.request('GET', `/api/v1/audit-events?since=2999-01-01T00:00:00Z`, {
      token: auditor.token,
    });
    expect(future.body.items).toEqual([]);
    expect(
      (await t.request('GET', `/api/v1/audit-events?since=yesterday`, { token: auditor.token })).status,
    ).toBe(400);
  });

  it('is readable by auditors and admins only', async () => {
    expect((await t.request('GET', '/api/v1/audit-events', { token: plain.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/audit-events/verify', { token: plain.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/audit-events', { token: BOOTSTRAP_TOKEN })).status).toBe(200);
  });

  it('names the first event edited behind its back', async () => {
    const target = await app.query(
      `SELECT id, seq FROM audit_events WHERE action = 'test.concurrent' ORDER BY seq LIMIT 1 OFFSET 10`,
    );
    const superuser = new Client({ connectionString: adminUrlFor(t.databaseName) });
    await superuser.connect();
    try {
      // Only a superuser can switch the triggers off, as a tamperer with database access would.
      await superuser.query(`SET session_replication_role = replica`);
      await superuser.query(`UPDATE audit_events SET data = '{"i": 999}' WHERE id = $1`, [target.rows[0].id]);
    } finally {
      await superuser.end();
    }
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBrokenId).toBe(target.rows[0].id);
    const head = await app.query(
      'SELECT id, (SELECT count(*)::int FROM audit_events) AS n FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    expect(result.headId).toBe(head.rows[0].id);
    expect(result.checked).toBe(head.rows[0].n);
  });
});
