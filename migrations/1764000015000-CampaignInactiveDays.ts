import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Campaign field `inactiveDays` (API.md "Access, activity and drift"): the window of the "no sign-in seen
 * by JumpCloud" recommendation. Templates keep it in their stored campaign body (no column).
 *
 * `directory_activity_watch_view`: the connections whose sign-in activity may be trusted now, for
 * campaigns' launch: insights `readable` and activity read at least once (a cursor), with the span the
 * reads cover. A connection missing from it gets no activity recommendation at all.
 * Grants come from the default privileges given to jumpgate_app.
 */
export class CampaignInactiveDays1764000015000 implements MigrationInterface {
  name = 'CampaignInactiveDays1764000015000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns
      ADD COLUMN inactive_days integer NOT NULL DEFAULT 60 CHECK (inactive_days >= 1)`);
    await q.query(`
      CREATE VIEW directory_activity_watch_view AS
      SELECT k.connection_id, k.covered_from, k.read_through
      FROM directory_activity_cursors k
      JOIN connections c ON c.id = k.connection_id AND c.insights = 'readable'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW directory_activity_watch_view`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN inactive_days`);
  }
}
