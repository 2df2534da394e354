import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A delta launch no longer writes a row per carried membership (`campaign_carried`): what it carried is
 * read back when needed from the certifications valid at launch, defined by the launch's own snapshot.
 *
 * - `certifications.created_xid` / `ended_xid`: the transaction that wrote the row and the one that
 *   ended it (set with `ended_at`, once). With the launch's snapshot they say exactly which
 *   certifications its statement saw in force, whatever was certified or ended since.
 * - `campaigns.carried_snapshot`, `carried_xid`, `carried_as_of`, `carried_group_ids`, `carried_count`: a
 *   delta launch's snapshot (pg_current_snapshot() of its INSERT … SELECT), its transaction, its
 *   `now()` (validity in time), the groups its scope resolved to (null: every group of the connection)
 *   and how many it carried (progress.carried without counting again).
 * - `campaign_carried` stays for delta campaigns launched before this migration (their carried rows
 *   are read from it; nothing writes it any more). Rows already ended get the migration's transaction
 *   as `ended_xid`: ended before any later snapshot, as they were.
 */
export class DeltaCarriedBySnapshot1764000014100 implements MigrationInterface {
  name = 'DeltaCarriedBySnapshot1764000014100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE certifications
        ADD COLUMN created_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        ADD COLUMN ended_xid xid8`);
    await q.query(`UPDATE certifications SET ended_xid = pg_current_xact_id() WHERE ended_at IS NOT NULL`);
    await q.query(`ALTER TABLE certifications ADD CONSTRAINT certifications_ended_xid_check
      CHECK ((ended_at IS NULL) = (ended_xid IS NULL))`);
    // The carried rows of a delta campaign are read per connection (and scope), in id order.
    await q.query(`CREATE INDEX certifications_connection_idx ON certifications (connection_id, id)`);
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN carried_snapshot pg_snapshot,
        ADD COLUMN carried_xid xid8,
        ADD COLUMN carried_as_of timestamptz,
        ADD COLUMN carried_group_ids uuid[],
        ADD COLUMN carried_count integer NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE campaigns c SET carried_count = k.n
      FROM (SELECT campaign_id, count(*)::int AS n FROM campaign_carried GROUP BY campaign_id) k
      WHERE k.campaign_id = c.id`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // What the campaigns launched since carried, written back as rows (the predicate of
    // certifications.repository.ts carriedBy, as it stands at this migration).
    await q.query(`
      INSERT INTO campaign_carried (campaign_id, certification_id)
      SELECT c.id, ce.id FROM campaigns c
      JOIN certifications ce ON ce.connection_id = c.connection_id
        AND (c.carried_group_ids IS NULL OR ce.group_id = ANY (c.carried_group_ids))
        AND pg_visible_in_snapshot(ce.created_xid, c.carried_snapshot)
        AND (ce.ended_xid IS NULL OR (ce.ended_xid <> c.carried_xid
             AND NOT pg_visible_in_snapshot(ce.ended_xid, c.carried_snapshot)))
        AND ce.certified_until > c.carried_as_of
      WHERE c.carried_snapshot IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(`
      ALTER TABLE campaigns
        DROP COLUMN carried_count, DROP COLUMN carried_group_ids, DROP COLUMN carried_as_of,
        DROP COLUMN carried_xid, DROP COLUMN carried_snapshot`);
    await q.query(`DROP INDEX certifications_connection_idx`);
    await q.query(`ALTER TABLE certifications DROP CONSTRAINT certifications_ended_xid_check`);
    await q.query(`ALTER TABLE certifications DROP COLUMN ended_xid, DROP COLUMN created_xid`);
  }
}
