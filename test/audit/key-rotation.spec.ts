import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { type Checkpoint } from '../../src/audit/audit-checkpoint';
import { AuditService } from '../../src/audit/audit.service';
import { type RunningEmulator } from '../../src/emulator';
import { systemActor } from '../../src/platform/actor';
import { startApp, type TestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';
import { createConnection, emulatorEnv, startTestEmulator, syncNow } from '../helpers/jumpcloud';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';
import { spawnTs, waitForExit } from '../helpers/processes';

jest.setTimeout(120_000);

const K1 = Buffer.alloc(32, 11).toString('base64');
const K2 = Buffer.alloc(32, 12).toString('base64');
const K3 = Buffer.alloc(32, 13).toString('base64');

/**
 * ENCRYPTION_KEY rotated twice (K1 → K2 → K3) on one database: old secrets still open, `npm run
 * reseal` moves them to the current key, old events and checkpoints still verify, every checkpoint
 * key is published, and an event written later with a retired key is flagged.
 */
describe('ENCRYPTION_KEY rotation for secrets, the audit chain and checkpoints', () => {
  let emu: RunningEmulator;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Client;
  let t: TestApp | undefined;
  let connectionId: string;
  const checkpoints: Checkpoint[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 31 });
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await t?.close();
    await db?.end();
    await database?.drop();
    await emu?.close();
  });

  const start = async (env: Record<string, string>, role: 'all' | 'api' = 'all') => {
    await t?.close();
    t = await startApp(emulatorEnv(emu, { APP_ROLE: role, ...env }), { databaseUrl: database.url });
    return t;
  };
  const record = async (app: TestApp, action: string) => {
    const audit = app.app.get(AuditService);
    await app.app.get(DataSource).transaction((m) => audit.record(m, systemActor('test'), { action }));
  };
  const takeCheckpoint = async (app: TestApp) => {
    const res = await app.request('GET', '/api/v1/audit-events/checkpoint', { token: BOOTSTRAP_TOKEN });
    expect(res.status).toBe(200);
    checkpoints.push(res.body as Checkpoint);
  };
  const sealedKeyId = async () =>
    Buffer.from(
      (await db.query('SELECT credentials FROM connections WHERE id = $1', [connectionId])).rows[0]
        .credentials,
    )
      .subarray(1, 9)
      .toString('hex');
  const reseal = async (env: Record<string, string>) => {
    const run = await waitForExit(
      spawnTs('src/reseal.cli.ts', { NODE_ENV: 'test', DATABASE_URL: database.url, ...env }),
    );
    return run;
  };

  it('works under the first key', async () => {
    const app = await start({ ENCRYPTION_KEY: K1 });
    connectionId = (await createConnection(app, emu)).id;
    await record(app, 'test.k1');
    await takeCheckpoint(app);
  });

  it('after a rotation, opens old secrets, verifies old events and checkpoints, lists both keys', async () => {
    const underK1 = await sealedKeyId();
    // Without the previous key the secret does not open: the sync fails.
    let app = await start({ ENCRYPTION_KEY: K2 });
    expect((await syncNow(app, connectionId)).status).toBe('failed');

    app = await start({ ENCRYPTION_KEY: K2, ENCRYPTION_KEY_PREVIOUS: K1 }, 'api');
    const resealed = await reseal({ ENCRYPTION_KEY: K2, ENCRYPTION_KEY_PREVIOUS: K1 });
    expect(resealed.code).toBe(0);
    expect(resealed.output).toContain('"connections":{"resealed":1,"current":0,"unreadable":0}');
    expect(await sealedKeyId()).not.toBe(underK1);
    // A second run finds nothing left to do.
    expect((await reseal({ ENCRYPTION_KEY: K2 })).output).toContain('"resealed":0,"current":1');

    await record(app, 'test.k2');
    await takeCheckpoint(app);
    expect(checkpoints[1].keyId).not.toBe(checkpoints[0].keyId);
    const verified = await app.request('POST', '/api/v1/audit-events/verify', {
      token: BOOTSTRAP_TOKEN,
      body: { checkpoints },
    });
    expect(verified.body).toMatchObject({ ok: true, truncated: false, checkpointFailures: [] });
    const keys = await app.request('GET', '/api/v1/audit-events/public-keys', { token: BOOTSTRAP_TOKEN });
    expect(keys.body.items.map((k: { keyId: string; current: boolean }) => [k.keyId, k.current])).toEqual([
      [checkpoints[1].keyId, true],
      [checkpoints[0].keyId, false],
    ]);
    // Events record the key they were written with: two distinct chain keys so far.
    const keyIds = await db.query(`SELECT DISTINCT key_id FROM audit_events`);
    expect(keyIds.rowCount).toBe(2);
  });

  it('takes several previous keys, newest first, and the resealed secret needs none of them', async () => {
    let app = await start({ ENCRYPTION_KEY: K3, ENCRYPTION_KEY_PREVIOUS: `${K2},${K1}` });
    await record(app, 'test.k3');
    await takeCheckpoint(app);
    const verified = await app.request('POST', '/api/v1/audit-events/verify', {
      token: BOOTSTRAP_TOKEN,
      body: { checkpoints },
    });
    expect(verified.body).toMatchObject({ ok: true, checkpointFailures: [] });
    const keys = await app.request('GET', '/api/v1/audit-events/public-keys', { token: BOOTSTRAP_TOKEN });
    expect(keys.body.items.map((k: { keyId: string }) => k.keyId)).toEqual(
      [...checkpoints].reverse().map((c) => c.keyId),
    );
    expect(keys.body.items.map((k: { current: boolean }) => k.current)).toEqual([true, false, false]);

    expect((await reseal({ ENCRYPTION_KEY: K3, ENCRYPTION_KEY_PREVIOUS: `${K2},${K1}` })).output).toContain(
      '"resealed":1',
    );
    // Only the current key now: the secret opens (the sync reaches JumpCloud) without any previous one.
    app = await start({ ENCRYPTION_KEY: K3 });
    expect((await syncNow(app, connectionId)).status).toBe('succeeded');
  });

  it('flags a chain that goes back to an older key after a newer one was used', async () => {
    // Someone holding only the retired K1 appends an event.
    const intruder = await start({ ENCRYPTION_KEY: K1 }, 'api');
    await record(intruder, 'test.k1.again');
    const [intruded] = (
      await db.query<{ id: string }>(`SELECT id FROM audit_events WHERE action = 'test.k1.again'`)
    ).rows;
    const app = await start({ ENCRYPTION_KEY: K3, ENCRYPTION_KEY_PREVIOUS: `${K2},${K1}` }, 'api');
    const verified = await app.request('GET', '/api/v1/audit-events/verify', { token: BOOTSTRAP_TOKEN });
    expect(verified.body).toMatchObject({
      ok: false,
      firstBrokenId: intruded.id,
      firstBrokenReason: 'key_went_back',
    });
  });

  it('refuses to reseal without an ENCRYPTION_KEY, and counts what no configured key opens', async () => {
    const none = await reseal({});
    expect(none.code).toBe(1);
    expect(none.output).toContain('ENCRYPTION_KEY is required');
    const wrong = await reseal({ ENCRYPTION_KEY: K1 });
    expect(wrong.code).toBe(2);
    expect(wrong.output).toContain('"unreadable":1');
    expect(wrong.output).not.toContain(new URL(database.url).password);
  });
});
