import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { testRedisUrl } from '../helpers/app';
import { databaseUrlFor, ownerBaseUrl } from '../helpers/database';
import { freePort, ROOT, spawnTs, waitForExit } from '../helpers/processes';

jest.setTimeout(180_000);

const MIGRATION_COUNT = readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d+-.*\.ts$/.test(f)).length;

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The production procedure of docs/operations.md on empty databases: migrations as the owner
 * (DATABASE_OWNER_URL), the server as the restricted role from DATABASE_URL, and what each may do.
 */
describe('the owner migrates, the server runs as its own role', () => {
  const suffix = randomBytes(4).toString('hex');
  const databases = ['cli', 'start', 'bare'].map((x) => `jg_roles_${suffix}_${x}`);
  const children: ChildProcess[] = [];
  const ownerUrl = (db: string) => databaseUrlFor(db, ownerBaseUrl());
  const serverUrl = (db: string) => databaseUrlFor(db);

  beforeAll(async () => {
    if (!process.env.DATABASE_OWNER_URL)
      throw new Error('DATABASE_OWNER_URL is not set (scripts/services.sh sets it)');
    await withClient(ownerBaseUrl(), async (c) => {
      for (const db of databases) await c.query(`CREATE DATABASE "${db}"`);
    });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await withClient(ownerBaseUrl(), async (c) => {
      for (const db of databases) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    });
  });

  async function startServer(env: Record<string, string>): Promise<{ port: number; output: () => string }> {
    const port = await freePort();
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      REDIS_URL: testRedisUrl(),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      APP_ROLE: 'api',
      PORT: String(port),
      ...env,
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${out}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { port, output: () => out };
  }

  const health = async (port: number) =>
    (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { auditProtected: boolean };

  it('migration:run needs only DATABASE_OWNER_URL and grants the server role what it needs', async () => {
    const db = databases[0];
    const run = await waitForExit(
      spawnTs('src/platform/database/migrate.cli.ts', {
        NODE_ENV: 'production',
        DATABASE_OWNER_URL: ownerUrl(db),
      }),
      90_000,
    );
    expect(run.code).toBe(0);
    expect(run.output).toContain(`Applied ${MIGRATION_COUNT} migration(s)`);
    expect(run.output).not.toContain(new URL(ownerBaseUrl()).password);

    const rights = await withClient(serverUrl(db), (c) =>
      c.query<{ relname: string; sel: boolean; ins: boolean; upd: boolean; del: boolean; own: boolean }>(
        `SELECT c.relname,
                has_table_privilege(c.oid, 'SELECT') AS sel, has_table_privilege(c.oid, 'INSERT') AS ins,
                has_table_privilege(c.oid, 'UPDATE') AS upd, has_table_privilege(c.oid, 'DELETE') AS del,
                pg_has_role(c.relowner, 'MEMBER') AS own
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')`,
      ),
    );
    const byName = new Map(rights.rows.map((r) => [r.relname, r]));
    expect(byName.get('audit_events')).toMatchObject({
      sel: true,
      ins: true,
      upd: false,
      del: false,
      own: false,
    });
    expect(byName.get('typeorm_migrations')).toMatchObject({ sel: true, ins: false, upd: false, del: false });
    for (const name of [
      'principals',
      'api_tokens',
      'connections',
      'directory_memberships',
      'provisioning_operations',
    ]) {
      expect(byName.get(name)).toMatchObject({ sel: true, ins: true, upd: true, del: true, own: false });
    }
    expect(rights.rows.some((r) => r.own)).toBe(false);

    // A table a later migration creates (as the owner) is the server's to use without another grant.
    await withClient(ownerUrl(db), (c) =>
      c.query(`CREATE TABLE later_migration_table (id serial PRIMARY KEY, x int)`),
    );
    await withClient(serverUrl(db), async (c) => {
      await c.query(`INSERT INTO later_migration_table (x) VALUES (1)`);
      await c.query(`UPDATE later_migration_table SET x = 2`);
      expect((await c.query(`SELECT x FROM later_migration_table`)).rows).toEqual([{ x: 2 }]);
    });
    await withClient(ownerUrl(db), (c) => c.query(`DROP TABLE later_migration_table`));

    // Production: the server without the owner's URL and without migrating at start.
    const server = await startServer({ DATABASE_URL: serverUrl(db), MIGRATIONS_RUN: 'false' });
    expect((await health(server.port)).auditProtected).toBe(true);
    // Left at MIGRATIONS_RUN=true (the default), it finds nothing pending and starts all the same.
    const defaults = await startServer({ DATABASE_URL: serverUrl(db) });
    expect((await health(defaults.port)).auditProtected).toBe(true);
    expect(defaults.output()).not.toContain('failed to start');
  });

  it('the server migrates at start as DATABASE_OWNER_URL while MIGRATIONS_RUN=true', async () => {
    const db = databases[1];
    const server = await startServer({ DATABASE_URL: serverUrl(db), DATABASE_OWNER_URL: ownerUrl(db) });
    const owners = await withClient(serverUrl(db), (c) =>
      c.query<{ owner: string; n: number }>(
        `SELECT pg_get_userbyid(relowner) AS owner, count(*)::int AS n FROM pg_class c
         JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = 'public' AND c.relkind = 'r'
         GROUP BY 1`,
      ),
    );
    expect(owners.rows).toEqual([{ owner: new URL(ownerBaseUrl()).username, n: expect.any(Number) }]);
    expect(
      await withClient(ownerUrl(db), (c) => c.query(`SELECT count(*)::int AS n FROM typeorm_migrations`)),
    ).toMatchObject({
      rows: [{ n: MIGRATION_COUNT }],
    });
    // The owner's URL is in its environment: not protected, and said so.
    expect((await health(server.port)).auditProtected).toBe(false);
    expect(server.output()).not.toContain(new URL(ownerBaseUrl()).password);
  });

  it('a server role left to migrate an empty database exits saying to migrate as the owner', async () => {
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      DATABASE_URL: serverUrl(databases[2]),
      REDIS_URL: testRedisUrl(),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PORT: String(await freePort()),
    });
    children.push(child);
    const exited = await waitForExit(child, 90_000);
    expect(exited.code).toBe(1);
    expect(exited.output).toContain('migrations failed');
    expect(exited.output).toContain('DATABASE_OWNER_URL');
    expect(exited.output).not.toContain(new URL(serverUrl(databases[2])).password);
    // Nothing was created by it.
    const tables = await withClient(ownerUrl(databases[2]), (c) =>
      c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`),
    );
    expect(tables.rows[0].n).toBe(0);
  });
});
