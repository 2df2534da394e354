import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrlFor } from '../helpers/database';
import { testRedisUrl } from '../helpers/app';
import { createServer } from 'node:net';
import { freePort, type PortServer, ROOT, spawnTs, startOnFreePort, waitForExit } from '../helpers/processes';

jest.setTimeout(180_000);

const MIGRATION_COUNT = readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d+-.*\.ts$/.test(f)).length;

function adminUrl(): string {
  const url = process.env.DATABASE_ADMIN_URL;
  if (!url) throw new Error('DATABASE_ADMIN_URL is not set (scripts/services.sh provides it)');
  return url;
}

async function asAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

type Server = PortServer;

/**
 * The production entry point as an operator would run it: only API.md's variables, a role that
 * owns its database and is not a superuser, migrations applied at start-up.
 */
describe('production start as an ordinary role', () => {
  const suffix = randomBytes(4).toString('hex');
  const role = `jg_prod_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const databases = ['a', 'b', 'c'].map((x) => `jg_prod_${suffix}_${x}`);
  const servers: Server[] = [];

  function roleUrl(database: string): string {
    const u = new URL(databaseUrlFor(database, adminUrl()));
    u.username = role;
    u.password = password;
    return u.toString();
  }

  async function migrationRows(database: string): Promise<string[]> {
    const c = new Client({ connectionString: roleUrl(database) });
    await c.connect();
    try {
      const r = await c.query<{ name: string }>('SELECT name FROM typeorm_migrations ORDER BY id');
      return r.rows.map((row) => row.name);
    } finally {
      await c.end();
    }
  }

  /** A production server on a free port (again on another if the port was taken before it listened). */
  async function startServer(database: string, ports?: () => Promise<number>): Promise<Server> {
    return startOnFreePort(
      (port) =>
        spawnTs('src/main.ts', {
          NODE_ENV: 'production',
          DATABASE_URL: roleUrl(database),
          REDIS_URL: testRedisUrl(),
          ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          PORT: String(port),
        }),
      { ports, onStart: (s) => servers.push(s) },
    );
  }

  async function waitHealthy(server: Server): Promise<void> {
    // Bounded by jest's timeout; a process that dies fails at once with its output.
    for (;;) {
      if (server.child.exitCode !== null) {
        throw new Error(`server exited with ${server.child.exitCode}: ${server.output()}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    await asAdmin(async (c) => {
      await c.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
      for (const db of databases) await c.query(`CREATE DATABASE "${db}" OWNER "${role}"`);
    });
  });

  afterAll(async () => {
    await Promise.all(
      servers.map(async (s) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) return;
        const exited = waitForExit(s.child, 20_000).catch(() => undefined);
        s.child.kill('SIGTERM');
        await exited;
      }),
    );
    await asAdmin(async (c) => {
      for (const db of databases) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS "${role}"`);
    });
  });

  it('the role is not a superuser', async () => {
    const rows = await asAdmin((c) => c.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [role]));
    expect(rows.rows).toEqual([{ rolsuper: false }]);
  });

  it('starts on an empty database, applies every migration and answers /health', async () => {
    const server = await startServer(databases[0]);
    await waitHealthy(server);
    const rows = await migrationRows(databases[0]);
    expect(rows).toHaveLength(MIGRATION_COUNT);
    expect(server.output()).not.toContain(password);
  });

  it('two processes starting at once on one empty database apply migrations exactly once', async () => {
    const [first, second] = await Promise.all([startServer(databases[1]), startServer(databases[1])]);
    await Promise.all([waitHealthy(first), waitHealthy(second)]);
    const rows = await migrationRows(databases[1]);
    expect(rows).toHaveLength(MIGRATION_COUNT);
    expect(new Set(rows).size).toBe(MIGRATION_COUNT);
    for (const s of [first, second]) {
      expect(s.output()).not.toMatch(/"level":(50|60)/);
      expect(s.output()).not.toContain('failed to start');
    }
  });

  it('a port taken between choosing it and listening: the server starts again on another (EADDRINUSE)', async () => {
    // Another process holds the first port the server is given, as a second server starting at once would.
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', r));
    const takenPort = (taken.address() as { port: number }).port;
    let given = 0;
    try {
      const server = await startServer(databases[0], async () => (given++ === 0 ? takenPort : freePort()));
      await waitHealthy(server);
      expect(given).toBe(2);
      expect(server.port).not.toBe(takenPort);
      expect(servers.some((s) => s.port === takenPort && s.output().includes('EADDRINUSE'))).toBe(true);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('the migration command (npm run migration:run after the build) applies them as that role', async () => {
    // The same entry point `npm run migration:run` runs from dist/, here from source.
    const run = (): Promise<{ code: number | null; output: string }> =>
      waitForExit(
        spawnTs('src/platform/database/migrate.cli.ts', {
          NODE_ENV: 'production',
          DATABASE_URL: roleUrl(databases[2]),
          REDIS_URL: testRedisUrl(),
          ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        }),
        90_000,
      );
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.output).toContain(`Applied ${MIGRATION_COUNT} migration(s)`);
    expect(first.output).not.toContain(password);
    expect(await migrationRows(databases[2])).toHaveLength(MIGRATION_COUNT);
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.output).toContain('Applied 0 migration(s)');
  });
});
