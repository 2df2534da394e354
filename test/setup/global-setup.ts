import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../../src/platform/database/migrate';
import { ensureServicesEnv } from './services-env';
import { databaseUrlFor, ownerBaseUrl } from '../helpers/database';

/**
 * Once per run: a template database with every migration applied as the owner role (as
 * `npm run migration:run` with DATABASE_OWNER_URL does in production). Each test file then gets a fresh
 * copy of it (CREATE DATABASE … TEMPLATE), which takes milliseconds, and the app connects to it as the
 * restricted server role (DATABASE_URL) that the migrations granted its rights to.
 */
export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  ensureServicesEnv();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `jg_tpl_${runId}`;
  const client = new Client({ connectionString: ownerBaseUrl() });
  await client.connect();
  try {
    // Leftovers of runs that were killed before their teardown.
    const stale = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^jg_(tpl|t)_' AND pg_catalog.pg_get_userbyid(datdba) = current_user`,
    );
    for (const { datname } of stale.rows) {
      const age = Date.now() - parseInt(datname.split('_')[2]?.slice(0, 9) ?? '0', 36);
      if (age > 6 * 3600_000)
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
    await client.query(`CREATE DATABASE "${template}"`);
  } finally {
    await client.end();
  }
  await runMigrations(databaseUrlFor(template, ownerBaseUrl()));
  process.env.JUMPGATE_TEST_RUN_ID = runId;
  process.env.JUMPGATE_TEST_TEMPLATE = template;
}
