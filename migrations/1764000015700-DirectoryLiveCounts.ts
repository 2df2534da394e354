import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Live rows per connection and kind (users, admins, groups, memberships, applications), kept exact by
 * statement-level triggers, so an incremental sync learns the removal hold's denominator and its run
 * counts without counting a million memberships (issue 22: an incremental run's work follows what its
 * events touched). The table takes deltas only (insert, never update): concurrent writers (a sync's
 * merge, provisioning's settlements) never wait on one counter row. A sync folds a connection's rows
 * into one per kind, and a full sync replaces them with a real count (sync/live-counts.ts).
 * The triggers go on before the backfill, in one transaction: CREATE TRIGGER locks out writers until
 * commit, so no row is counted twice or missed. Grants come from the default privileges of jumpgate_app.
 */
export class DirectoryLiveCounts1764000015700 implements MigrationInterface {
  name = 'DirectoryLiveCounts1764000015700';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_live_counts (
        connection_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('user', 'admin', 'group', 'membership', 'application')),
        n bigint NOT NULL
      )`);
    await q.query(
      `CREATE INDEX directory_live_counts_connection_idx ON directory_live_counts (connection_id)`,
    );
    // One function per shape: accounts carry their kind, the other tables get it as the argument.
    // A row counts while removed_at IS NULL; an UPDATE counts what turned live less what stopped.
    for (const [fn, kind] of [
      ['directory_count_accounts', 'kind'],
      ['directory_count_rows', 'TG_ARGV[0]'],
    ]) {
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO directory_live_counts (connection_id, kind, n)
            SELECT connection_id, ${kind}, count(*) FROM new_rows WHERE removed_at IS NULL GROUP BY 1, 2;
          ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO directory_live_counts (connection_id, kind, n)
            SELECT connection_id, ${kind}, -count(*) FROM old_rows WHERE removed_at IS NULL GROUP BY 1, 2;
          ELSE
            INSERT INTO directory_live_counts (connection_id, kind, n)
            SELECT connection_id, k, sum(d) FROM (
              SELECT connection_id, ${kind} AS k, 1 AS d FROM new_rows WHERE removed_at IS NULL
              UNION ALL
              SELECT connection_id, ${kind}, -1 FROM old_rows WHERE removed_at IS NULL) x
            GROUP BY 1, 2 HAVING sum(d) <> 0;
          END IF;
          RETURN NULL;
        END $$`);
    }
    for (const [table, fn, arg] of TABLES) {
      // Transition tables allow one event per trigger: three triggers, one function.
      await q.query(`CREATE TRIGGER ${table}_count_ins AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}(${arg})`);
      await q.query(`CREATE TRIGGER ${table}_count_upd AFTER UPDATE ON ${table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}(${arg})`);
      await q.query(`CREATE TRIGGER ${table}_count_del AFTER DELETE ON ${table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}(${arg})`);
    }
    await q.query(`
      INSERT INTO directory_live_counts (connection_id, kind, n)
      SELECT connection_id, kind, count(*) FROM directory_accounts WHERE removed_at IS NULL GROUP BY 1, 2
      UNION ALL SELECT connection_id, 'group', count(*) FROM directory_groups WHERE removed_at IS NULL GROUP BY 1
      UNION ALL SELECT connection_id, 'membership', count(*) FROM directory_memberships WHERE removed_at IS NULL GROUP BY 1
      UNION ALL SELECT connection_id, 'application', count(*) FROM directory_applications WHERE removed_at IS NULL GROUP BY 1`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [table] of TABLES) {
      await q.query(`DROP TRIGGER ${table}_count_del ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_count_upd ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_count_ins ON ${table}`);
    }
    await q.query(`DROP FUNCTION directory_count_rows()`);
    await q.query(`DROP FUNCTION directory_count_accounts()`);
    await q.query(`DROP TABLE directory_live_counts`);
  }
}

const TABLES = [
  ['directory_accounts', 'directory_count_accounts', ''],
  ['directory_groups', 'directory_count_rows', `'group'`],
  ['directory_memberships', 'directory_count_rows', `'membership'`],
  ['directory_applications', 'directory_count_rows', `'application'`],
] as const;
