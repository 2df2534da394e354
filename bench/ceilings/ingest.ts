import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { arg } from './ceiling';

/**
 * Ingest ceiling — bare, no jumpgate code: `node dist/bench/ceilings/ingest.js --database-url URL
 * --rows 1000000`. `COPY … FROM STDIN` (text format) of `rows` membership-like rows (two text columns of
 * 24 hex characters, like JumpCloud ids) into an UNLOGGED staging table, which is dropped afterwards.
 * The rows are generated while streaming (about 50 bytes each). Prints one JSON line.
 */
async function main(): Promise<void> {
  const databaseUrl = arg('database-url');
  const rows = Number(arg('rows'));
  const batch = 1000;
  const table = `bench_ingest_ceiling_${process.pid}`;
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  // A pool of ids, so generating rows costs little next to COPY (10,000 "groups", 100,000 "users").
  const ids = (n: number) => Array.from({ length: n }, () => randomBytes(12).toString('hex'));
  const groups = ids(10_000);
  const users = ids(100_000);
  await db.query(`CREATE UNLOGGED TABLE ${table} (group_external_id text, user_external_id text)`);
  try {
    let i = 0;
    const source = Readable.from(
      (function* () {
        while (i < rows) {
          const end = Math.min(rows, i + batch);
          let chunk = '';
          for (; i < end; i++) chunk += `${groups[i % groups.length]}\t${users[(i * 7919) % users.length]}\n`;
          yield chunk;
        }
      })(),
    );
    const started = performance.now();
    await pipeline(
      source,
      db.query(copyFrom(`COPY ${table} (group_external_id, user_external_id) FROM STDIN`)),
    );
    const wallMs = Math.round(performance.now() - started);
    const { rows: counted } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    process.stdout.write(
      JSON.stringify({
        ceiling: 'ingest',
        parameters: {
          rows,
          columns: 2,
          columnWidth: 24,
          table: 'UNLOGGED, no indexes',
          format: 'COPY text via pg-copy-streams',
          batchRows: batch,
        },
        rowsCopied: Number(counted[0].n),
        wallMs,
        rowsPerSecond: Math.round((rows / Math.max(wallMs, 1)) * 1000),
      }) + '\n',
    );
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
