import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Campaigns1764000007000 implements MigrationInterface {
  name = 'Campaigns1764000007000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        name text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'launching', 'active', 'closing', 'closed', 'cancelled')),
        scope_group_ids uuid[] NOT NULL DEFAULT '{}',
        scope_application_ids uuid[] NOT NULL DEFAULT '{}',
        reviewer_strategy text NOT NULL CHECK (reviewer_strategy IN ('manager', 'group_owner', 'named')),
        reviewer_ids uuid[] NOT NULL DEFAULT '{}',
        fallback_reviewer_ids uuid[] NOT NULL,
        due_at timestamptz NOT NULL,
        default_decision text NOT NULL CHECK (default_decision IN ('none', 'keep', 'revoke')),
        auto_remediate boolean NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        launched_at timestamptz,
        closed_at timestamptz
      )`);
    await q.query(`CREATE INDEX campaigns_list_idx ON campaigns (created_at, id)`);
    // The cluster tick: active campaigns by due date.
    await q.query(`CREATE INDEX campaigns_due_idx ON campaigns (due_at) WHERE status = 'active'`);
    // Review items are a snapshot: what the reviewer saw is what the evidence report shows, even after
    // the directory changes.
    await q.query(`
      CREATE TABLE review_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        connection_id uuid NOT NULL REFERENCES connections(id),
        account_id uuid NOT NULL,
        group_id uuid NOT NULL,
        account_email text,
        account_display_name text,
        account_kind text NOT NULL,
        account_state text NOT NULL,
        department text,
        job_title text,
        manager_account_id uuid,
        manager_display_name text,
        is_administrator boolean NOT NULL,
        group_name text NOT NULL,
        membership_method text NOT NULL,
        applications jsonb NOT NULL DEFAULT '[]',
        membership_since timestamptz NOT NULL,
        grant_id uuid,
        reviewer_id uuid,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'decided', 'expired')),
        decision text CHECK (decision IN ('keep', 'revoke')),
        justification text,
        decided_by uuid,
        decided_at timestamptz,
        override boolean NOT NULL DEFAULT false,
        remediation text NOT NULL DEFAULT 'none'
          CHECK (remediation IN ('none', 'pending', 'done', 'failed', 'manual')),
        operation_id uuid,
        -- When JumpCloud accepted the removal; done waits for a sync that started after it.
        removal_applied_at timestamptz,
        remediated_at timestamptz,
        recommendation text CHECK (recommendation IN ('keep', 'revoke', 'review')),
        recommendation_reason text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (campaign_id, group_id, account_id)
      )`);
    await q.query(`CREATE INDEX review_items_list_idx ON review_items (campaign_id, created_at, id)`);
    await q.query(`CREATE INDEX review_items_reviewer_idx ON review_items (reviewer_id, created_at, id)`);
    await q.query(
      `CREATE INDEX review_items_remediation_idx ON review_items (connection_id) WHERE remediation = 'pending'`,
    );
    // Read-only views over other modules' tables, for the set-wise launch. Neither directory nor access
    // publishes these reads; they are views so that no campaign code touches those tables.
    await q.query(`
      CREATE VIEW campaign_group_application_view AS
      SELECT ag.group_id, ag.application_id, ag.connection_id, a.name AS application_name
      FROM directory_application_groups ag
      JOIN directory_applications a ON a.id = ag.application_id AND a.removed_at IS NULL`);
    await q.query(`
      CREATE VIEW campaign_account_view AS
      SELECT id, connection_id, kind, email, display_name
      FROM directory_accounts WHERE removed_at IS NULL`);
    await q.query(`
      CREATE VIEW campaign_active_grant_view AS
      SELECT id AS grant_id, group_id, account_id FROM access_grants WHERE status = 'active'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW campaign_active_grant_view`);
    await q.query(`DROP VIEW campaign_account_view`);
    await q.query(`DROP VIEW campaign_group_application_view`);
    await q.query(`DROP TABLE review_items`);
    await q.query(`DROP TABLE campaigns`);
  }
}
