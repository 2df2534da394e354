import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export function databaseUrlFor(database: string, base = process.env.DATABASE_URL): string {
  if (!base) throw new Error('DATABASE_URL is not set (run the tests with npm test)');
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The role that owns the schema and creates the test databases: DATABASE_OWNER_URL (scripts/services.sh
 * sets it), else DATABASE_URL, which then owns everything as before the two roles existed.
 */
export function ownerBaseUrl(): string {
  const url = process.env.DATABASE_OWNER_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (run the tests with npm test)');
  return url;
}

/**
 * A fresh database for one test file, copied from the migrated template of this run and owned by the
 * owner role; `url` connects as the server's restricted role (DATABASE_URL), `ownerUrl` as the owner.
 */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  ownerUrl: string;
  drop: () => Promise<void>;
}> {
  const template = process.env.JUMPGATE_TEST_TEMPLATE;
  const runId = process.env.JUMPGATE_TEST_RUN_ID;
  if (!template || !runId) throw new Error('integration tests need the jest globalSetup (npm test)');
  const name = `jg_t_${runId}_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: ownerBaseUrl() });
  await client.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (err) {
        // Two files copying the template at the same instant can collide; the copy is quick, so retry.
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await client.end();
  }
  return {
    name,
    url: databaseUrlFor(name),
    ownerUrl: databaseUrlFor(name, ownerBaseUrl()),
    drop: async () => {
      const c = new Client({ connectionString: ownerBaseUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

/** A superuser connection for tests that must do what the application role cannot (tampering). */
export function adminUrlFor(database: string): string {
  const admin = process.env.DATABASE_ADMIN_URL;
  if (!admin) throw new Error('DATABASE_ADMIN_URL is not set (scripts/services.sh provides it)');
  return databaseUrlFor(database, admin);
}
