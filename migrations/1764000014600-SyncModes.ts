import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Incremental sync (API.md "Directory sync"): the mode a run was asked for (`auto` when no body said),
 * the mode it ran in, and how far it read Directory Insights (`events_until`: the next incremental run
 * reads from there, less an overlap for late events; `events_seen`: the directory changes of that overlap
 * this run already acted on, `[[timestampMs, eventId], ...]`, so the next run does not re-read their
 * objects again, while a late event, with an id of its own, still counts). The last full sync and the cursor are read from
 * the connection's succeeded runs, so they commit with the run that moved them. Runs before this
 * migration were full syncs. New columns of an existing table: the table's grants cover them.
 */
export class SyncModes1764000014600 implements MigrationInterface {
  name = 'SyncModes1764000014600';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_sync_runs
      ADD COLUMN requested_mode text NOT NULL DEFAULT 'auto' CHECK (requested_mode IN ('auto', 'full', 'incremental')),
      ADD COLUMN mode text CHECK (mode IN ('full', 'incremental')),
      ADD COLUMN events_until timestamptz,
      ADD COLUMN events_seen jsonb`);
    await q.query(`UPDATE directory_sync_runs SET mode = 'full' WHERE status = 'succeeded'`);
    // The mode decision asks for the connection's last succeeded run of each mode.
    await q.query(`CREATE INDEX directory_sync_runs_succeeded_idx ON directory_sync_runs (connection_id, mode, finished_at DESC)
      WHERE status = 'succeeded'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX directory_sync_runs_succeeded_idx`);
    await q.query(
      `ALTER TABLE directory_sync_runs DROP COLUMN events_seen, DROP COLUMN events_until, DROP COLUMN mode, DROP COLUMN requested_mode`,
    );
  }
}
