import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API.md "Campaigns that run themselves": caps on what one close removes (the rest is held until a
 * second admin releases it), and the administrators scope (items with no group, the account's roles).
 * Grants on the new table come from the default privileges given to jumpgate_app.
 */
export class CampaignSafetyRails1764000014000 implements MigrationInterface {
  name = 'CampaignSafetyRails1764000014000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN max_revoke_share_per_group double precision NOT NULL DEFAULT 0.5
          CHECK (max_revoke_share_per_group >= 0 AND max_revoke_share_per_group <= 1),
        ADD COLUMN max_revokes_per_close integer NOT NULL DEFAULT 500 CHECK (max_revokes_per_close >= 0),
        ADD COLUMN scope_administrators boolean NOT NULL DEFAULT false,
        -- The principal who asked for the close; NULL when the system closed it (dueAt, a template),
        -- which then needs two releasing admins instead of one.
        ADD COLUMN closed_by uuid`);
    await q.query(`
      ALTER TABLE review_items DROP CONSTRAINT review_items_remediation_check,
        ADD CONSTRAINT review_items_remediation_check
          CHECK (remediation IN ('none', 'pending', 'held', 'done', 'failed', 'manual')),
        -- An item of the administrators scope is about an administrator account, not a membership.
        ALTER COLUMN group_id DROP NOT NULL,
        ALTER COLUMN group_name DROP NOT NULL,
        ALTER COLUMN membership_method DROP NOT NULL,
        ADD COLUMN admin_roles text[],
        -- What a person must do by hand (jumpgate never changes JumpCloud administrators).
        ADD COLUMN remediation_note text`);
    // Release of held removals: the held ones per campaign, and the admins who approved a release.
    await q.query(
      `CREATE INDEX review_items_held_idx ON review_items (campaign_id) WHERE remediation = 'held'`,
    );
    await q.query(`
      CREATE TABLE campaign_release_approvals (
        campaign_id uuid NOT NULL REFERENCES campaigns (id),
        principal_id uuid NOT NULL,
        approved_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (campaign_id, principal_id)
      )`);
    // Read-only view of administrator accounts for the set-wise launch (directory publishes no such read).
    await q.query(`
      CREATE VIEW campaign_admin_account_view AS
      SELECT id, connection_id, email, display_name, state, admin_roles, created_at
      FROM directory_accounts WHERE kind = 'admin' AND removed_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW campaign_admin_account_view`);
    await q.query(`DROP TABLE campaign_release_approvals`);
    await q.query(`DROP INDEX review_items_held_idx`);
    await q.query(`DELETE FROM review_items WHERE group_id IS NULL`);
    await q.query(`UPDATE review_items SET remediation = 'none' WHERE remediation = 'held'`);
    await q.query(`
      ALTER TABLE review_items DROP COLUMN remediation_note, DROP COLUMN admin_roles,
        ALTER COLUMN membership_method SET NOT NULL,
        ALTER COLUMN group_name SET NOT NULL,
        ALTER COLUMN group_id SET NOT NULL,
        DROP CONSTRAINT review_items_remediation_check,
        ADD CONSTRAINT review_items_remediation_check
          CHECK (remediation IN ('none', 'pending', 'done', 'failed', 'manual'))`);
    await q.query(`
      ALTER TABLE campaigns DROP COLUMN closed_by, DROP COLUMN scope_administrators,
        DROP COLUMN max_revokes_per_close, DROP COLUMN max_revoke_share_per_group`);
  }
}
