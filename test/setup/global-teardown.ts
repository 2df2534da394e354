import { Client } from 'pg';
import { ownerBaseUrl } from '../helpers/database';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env.JUMPGATE_TEST_RUN_ID;
  if (!runId || process.env.JUMPGATE_KEEP_TEST_DBS) return;
  const client = new Client({ connectionString: ownerBaseUrl() });
  await client.connect();
  try {
    const dbs = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`,
      [`jg_t_${runId}_%`, `jg_tpl_${runId}`],
    );
    for (const { datname } of dbs.rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}
