import { type SyncSession } from './sync-session';

/** A connection's live rows (`removed_at IS NULL`) per kind: a run's counts and the hold's denominators. */
export interface LiveCounts {
  users: number;
  admins: number;
  groups: number;
  memberships: number;
  applications: number;
}

const KINDS = {
  users: 'user',
  admins: 'admin',
  groups: 'group',
  memberships: 'membership',
  applications: 'application',
} as const satisfies Record<keyof LiveCounts, string>;

function countsOf(rows: { kind: string; n: number }[]): LiveCounts {
  const byKind = new Map(rows.map((r) => [r.kind, Number(r.n)]));
  const out = {} as LiveCounts;
  for (const [field, kind] of Object.entries(KINDS) as [keyof LiveCounts, string][]) {
    out[field] = byKind.get(kind) ?? 0;
  }
  return out;
}

/**
 * The live counts as the triggers of migration 1764000015700 keep them, without counting a row: the
 * connection's delta rows are folded into one per kind (they grow by about one per writing statement)
 * and their sums returned. Exact in the statement's snapshot, this run's own writes included, as a
 * count(*) would be. Only a sync deletes these rows, under its connection's lock.
 */
export async function keptLiveCounts(s: SyncSession, connectionId: string): Promise<LiveCounts> {
  const rows = await s.q<{ kind: string; n: number }[]>(
    `WITH gone AS (DELETE FROM directory_live_counts WHERE connection_id = $1 RETURNING kind, n),
          sums AS (SELECT kind, sum(n) AS n FROM gone GROUP BY kind),
          kept AS (INSERT INTO directory_live_counts (connection_id, kind, n)
                   SELECT $1, kind, n FROM sums WHERE n <> 0)
     SELECT kind, n::int AS n FROM sums`,
    [connectionId],
  );
  return countsOf(rows);
}

/**
 * Counts the live rows for real (a full sync: the ground truth, as for everything else) and makes the
 * kept counts equal to them. Returns the counts, and the kinds whose kept count was off (by how much),
 * which only a write past the triggers could cause.
 */
export async function recountLiveCounts(
  s: SyncSession,
  connectionId: string,
): Promise<{ counts: LiveCounts; drift: Partial<LiveCounts> }> {
  const rows = await s.q<{ kind: string; n: number; kept: number }[]>(
    // One statement, one snapshot: the recount and the rows it replaces agree.
    `WITH gone AS (DELETE FROM directory_live_counts WHERE connection_id = $1 RETURNING kind, n),
          real AS (
            SELECT 'user' AS kind, (SELECT count(*) FROM directory_accounts
              WHERE connection_id = $1 AND kind = 'user' AND removed_at IS NULL) AS n
            UNION ALL SELECT 'admin', (SELECT count(*) FROM directory_accounts
              WHERE connection_id = $1 AND kind = 'admin' AND removed_at IS NULL)
            UNION ALL SELECT 'group', (SELECT count(*) FROM directory_groups
              WHERE connection_id = $1 AND removed_at IS NULL)
            UNION ALL SELECT 'membership', (SELECT count(*) FROM directory_memberships
              WHERE connection_id = $1 AND removed_at IS NULL)
            UNION ALL SELECT 'application', (SELECT count(*) FROM directory_applications
              WHERE connection_id = $1 AND removed_at IS NULL)),
          kept AS (INSERT INTO directory_live_counts (connection_id, kind, n)
                   SELECT $1, kind, n FROM real WHERE n <> 0)
     SELECT r.kind, r.n::int AS n, (SELECT coalesce(sum(g.n), 0) FROM gone g WHERE g.kind = r.kind)::int AS kept
     FROM real r`,
    [connectionId],
  );
  const counts = countsOf(rows);
  const kept = countsOf(rows.map((r) => ({ kind: r.kind, n: r.kept })));
  const drift: Partial<LiveCounts> = {};
  for (const field of Object.keys(KINDS) as (keyof LiveCounts)[]) {
    if (counts[field] !== kept[field]) drift[field] = counts[field] - kept[field];
  }
  return { counts, drift };
}
