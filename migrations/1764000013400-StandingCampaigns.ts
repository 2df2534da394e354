import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Standing campaigns (API.md "Campaigns that run themselves"): `kind` regular or standing; a standing
 * campaign has a `purpose` (break_glass, drift), is unique per connection and purpose (the race guard
 * of "created on first use"), and has no due date (never due, never closed by itself).
 *
 * Its items come one event at a time, and the same membership may come back (break-glass used again
 * next week): the one-item-per-membership rule holds for regular campaigns only, and a standing item is
 * unique by its event key instead (a replayed event makes no second item).
 *
 * Views for the set-wise item insert, read inside the caller's transaction (a drift event arrives in the
 * sync's own): accounts with their manager, live groups, and group owners (access's policies).
 * Grants come from the default privileges given to jumpgate_app.
 */
export class StandingCampaigns1764000013400 implements MigrationInterface {
  name = 'StandingCampaigns1764000013400';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN kind text NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'standing')),
        ADD COLUMN purpose text CHECK (purpose IN ('break_glass', 'drift')),
        ALTER COLUMN due_at DROP NOT NULL,
        ADD CONSTRAINT campaigns_standing_shape_ck CHECK (
          (kind = 'standing') = (purpose IS NOT NULL) AND (kind = 'standing' OR due_at IS NOT NULL))`);
    await q.query(
      `CREATE UNIQUE INDEX campaigns_standing_uq ON campaigns (connection_id, purpose) WHERE kind = 'standing'`,
    );
    await q.query(`ALTER TABLE review_items ADD COLUMN standing_key text`);
    await q.query(
      `ALTER TABLE review_items DROP CONSTRAINT review_items_campaign_id_group_id_account_id_key`,
    );
    await q.query(`CREATE UNIQUE INDEX review_items_membership_uq ON review_items (campaign_id, group_id, account_id)
      WHERE standing_key IS NULL`);
    await q.query(`CREATE UNIQUE INDEX review_items_standing_key_uq ON review_items (campaign_id, standing_key)
      WHERE standing_key IS NOT NULL`);
    await q.query(`
      CREATE VIEW campaign_subject_account_view AS
      SELECT a.id, a.connection_id, a.kind, a.email, a.display_name, a.state, a.department, a.job_title,
             mgr.id AS manager_account_id, mgr.display_name AS manager_display_name
      FROM directory_accounts a
      LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
           AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL
      WHERE a.removed_at IS NULL`);
    await q.query(`
      CREATE VIEW campaign_subject_group_view AS
      SELECT id, connection_id, name, membership_method FROM directory_groups WHERE removed_at IS NULL`);
    await q.query(`
      CREATE VIEW campaign_group_owner_view AS
      SELECT group_id, owner_ids FROM access_group_policies`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW campaign_group_owner_view`);
    await q.query(`DROP VIEW campaign_subject_group_view`);
    await q.query(`DROP VIEW campaign_subject_account_view`);
    // The older shape cannot hold standing campaigns (no due date, several items per membership).
    await q.query(
      `DELETE FROM review_items WHERE campaign_id IN (SELECT id FROM campaigns WHERE kind = 'standing')`,
    );
    await q.query(`DELETE FROM campaigns WHERE kind = 'standing'`);
    await q.query(`DROP INDEX review_items_standing_key_uq`);
    await q.query(`DROP INDEX review_items_membership_uq`);
    await q.query(`ALTER TABLE review_items ADD UNIQUE (campaign_id, group_id, account_id)`);
    await q.query(`ALTER TABLE review_items DROP COLUMN standing_key`);
    await q.query(`DROP INDEX campaigns_standing_uq`);
    await q.query(`
      ALTER TABLE campaigns DROP CONSTRAINT campaigns_standing_shape_ck, ALTER COLUMN due_at SET NOT NULL,
        DROP COLUMN purpose, DROP COLUMN kind`);
  }
}
