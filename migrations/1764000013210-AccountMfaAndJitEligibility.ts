import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * - `directory_accounts.mfa_configured`: the MFA state JumpCloud reports for the account (null: it
 *   said nothing), read by the sync; published on directory_membership_view (appended: CREATE OR
 *   REPLACE VIEW may only add columns at the end) for the launch's "administrator without MFA".
 * - `access_group_policies.eligible_account_ids`: accounts that may request the group whatever
 *   `eligible_group_ids` says (a `convert_to_jit` decision adds its account).
 */
export class AccountMfaAndJitEligibility1764000013210 implements MigrationInterface {
  name = 'AccountMfaAndJitEligibility1764000013210';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_accounts ADD COLUMN mfa_configured boolean`);
    await q.query(
      `ALTER TABLE access_group_policies ADD COLUMN eligible_account_ids uuid[] NOT NULL DEFAULT '{}'`,
    );
    await q.query(`
      CREATE OR REPLACE VIEW directory_membership_view AS
      SELECT m.connection_id, m.group_id, m.account_id, m.since,
             g.name AS group_name, g.membership_method,
             a.kind, a.email, a.display_name, a.state, a.department, a.job_title, a.manager_external_id,
             mgr.id AS manager_account_id, m.seen_at_baseline, a.mfa_configured
      FROM directory_memberships m
      JOIN directory_groups g ON g.id = m.group_id AND g.removed_at IS NULL
      JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL
      LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
           AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL
      WHERE m.removed_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW directory_membership_view`);
    await q.query(`
      CREATE VIEW directory_membership_view AS
      SELECT m.connection_id, m.group_id, m.account_id, m.since,
             g.name AS group_name, g.membership_method,
             a.kind, a.email, a.display_name, a.state, a.department, a.job_title, a.manager_external_id,
             mgr.id AS manager_account_id, m.seen_at_baseline
      FROM directory_memberships m
      JOIN directory_groups g ON g.id = m.group_id AND g.removed_at IS NULL
      JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL
      LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
           AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL
      WHERE m.removed_at IS NULL`);
    await q.query(`ALTER TABLE access_group_policies DROP COLUMN eligible_account_ids`);
    await q.query(`ALTER TABLE directory_accounts DROP COLUMN mfa_configured`);
  }
}
