import { affected } from '../../platform/database/sql';
import { type SyncSession } from './sync-session';

/**
 * The set-wise merge of one staged listing into its table: rows that came back are revived,
 * changed rows updated, new rows inserted, each statement touching only rows that differ.
 * Returns counts and the WHERE clause (over alias `a`) of live rows the listing lacked.
 */
export async function mergeEntities(
  db: SyncSession,
  connectionId: string,
  at: string,
  spec: {
    table: string;
    stage: string;
    keys: string[];
    values: string[];
    /** The stage carries the row's id (assigned while staging) rather than leaving it to the default. */
    withId?: boolean;
  },
): Promise<{ added: number; updated: number; goneWhere: string }> {
  const c = connectionId;
  // Staging wrote each key once (see `stage`), and analysed the stage.
  const u = spec.stage;
  const match = spec.keys.map((k) => `a.${k} = s.${k}`).join(' AND ');
  const set = spec.values.map((v) => `${v} = s.${v}`).join(', ');
  const revived = affected(
    await db.q(
      `UPDATE ${spec.table} a SET ${set}, removed_at = NULL, updated_at = $2 FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NOT NULL`,
      [c, at],
    ),
  );
  const updated = affected(
    await db.q(
      `UPDATE ${spec.table} a SET ${set}, updated_at = $2 FROM ${u} s
         WHERE a.connection_id = $1 AND ${match} AND a.removed_at IS NULL
           AND (${spec.values.map((v) => `a.${v}`).join(', ')}) IS DISTINCT FROM (${spec.values.map((v) => `s.${v}`).join(', ')})`,
      [c, at],
    ),
  );
  const cols = [...(spec.withId ? ['id'] : []), ...spec.keys, ...spec.values];
  const inserted = await db.count(
    `INSERT INTO ${spec.table} (connection_id, created_at, updated_at, ${cols.join(', ')})
       SELECT $1, $2::timestamptz, $2::timestamptz, ${cols.map((k) => `s.${k}`).join(', ')} FROM ${u} s
       WHERE NOT EXISTS (SELECT 1 FROM ${spec.table} a WHERE a.connection_id = $1 AND ${match})`,
    [c, at],
  );
  if (inserted > 1000) {
    // The queries that follow plan with this table's row count: not the one from before the insert.
    await db.q(`SELECT jumpgate_analyze($1::regclass)`, [spec.table]);
  }
  const goneWhere = `WHERE a.connection_id = $1 AND a.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ${u} s WHERE ${match})`;
  return { added: revived + inserted, updated, goneWhere };
}

/** Marks removed the live rows a completed listing lacked (mark and sweep). */
export async function sweep(
  db: SyncSession,
  connectionId: string,
  at: string,
  table: string,
  goneWhere: string,
): Promise<number> {
  return db.count(`UPDATE ${table} a SET removed_at = $2, updated_at = $2 ${goneWhere}`, [connectionId, at]);
}

/** How many removals `candidatesSql` selects, and a digest of exactly which (for the removal hold). */
export async function removalCandidates(
  db: SyncSession,
  candidatesSql: string,
  params: unknown[],
): Promise<{ count: number; digest: string | null }> {
  const [{ count, digest }] = await db.q<{ count: number; digest: string | null }[]>(
    `SELECT count(*)::int AS count, md5(string_agg(x.id::text, ',' ORDER BY x.id::text)) AS digest
     FROM (${candidatesSql}) x`,
    params,
  );
  return { count, digest };
}
