import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API.md `GET /syncs/{id}/held`: the removals a run held (rule 1), one row each, written in the sync's
 * transaction. Grants come from the default privileges given to jumpgate_app.
 */
export class SyncHeldRemovals1764000012000 implements MigrationInterface {
  name = 'SyncHeldRemovals1764000012000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_sync_held (
        run_id uuid NOT NULL REFERENCES directory_sync_runs (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('account', 'membership')),
        account_id uuid NOT NULL,
        group_id uuid,
        CHECK ((kind = 'membership') = (group_id IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX directory_sync_held_run_idx ON directory_sync_held (run_id, kind, account_id)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE directory_sync_held`);
  }
}
