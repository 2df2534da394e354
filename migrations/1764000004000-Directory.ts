import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Directory1764000004000 implements MigrationInterface {
  name = 'Directory1764000004000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE directory_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        kind text NOT NULL CHECK (kind IN ('user', 'admin')),
        external_id text NOT NULL,
        email text,
        username text,
        display_name text,
        state text NOT NULL,
        manager_external_id text,
        department text,
        job_title text,
        admin_roles text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        UNIQUE (connection_id, kind, external_id)
      )`);
    await q.query(`CREATE INDEX directory_accounts_email_idx ON directory_accounts (lower(email))`);
    await q.query(
      `CREATE INDEX directory_accounts_list_idx ON directory_accounts (connection_id, created_at, id)`,
    );
    await q.query(`
      CREATE TABLE directory_groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        external_id text NOT NULL,
        name text NOT NULL,
        description text,
        membership_method text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        UNIQUE (connection_id, external_id)
      )`);
    await q.query(
      `CREATE INDEX directory_groups_list_idx ON directory_groups (connection_id, created_at, id)`,
    );
    // A membership row lives as long as the pair ever existed; removed_at marks it gone (mark and sweep).
    await q.query(`
      CREATE TABLE directory_memberships (
        group_id uuid NOT NULL REFERENCES directory_groups(id),
        account_id uuid NOT NULL REFERENCES directory_accounts(id),
        connection_id uuid NOT NULL REFERENCES connections(id),
        since timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        PRIMARY KEY (group_id, account_id)
      )`);
    await q.query(`CREATE INDEX directory_memberships_account_idx ON directory_memberships (account_id)`);
    await q.query(
      `CREATE INDEX directory_memberships_connection_idx ON directory_memberships (connection_id)`,
    );
    await q.query(`
      CREATE TABLE directory_membership_history (
        id bigserial PRIMARY KEY,
        connection_id uuid NOT NULL REFERENCES connections(id),
        run_id uuid NOT NULL,
        group_id uuid NOT NULL,
        account_id uuid NOT NULL,
        change text NOT NULL CHECK (change IN ('added', 'removed')),
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX directory_membership_history_run_idx ON directory_membership_history (run_id)`,
    );
    await q.query(
      `CREATE INDEX directory_membership_history_pair_idx ON directory_membership_history (group_id, account_id, id)`,
    );
    await q.query(`
      CREATE TABLE directory_applications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        external_id text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        UNIQUE (connection_id, external_id)
      )`);
    await q.query(`
      CREATE TABLE directory_application_groups (
        application_id uuid NOT NULL REFERENCES directory_applications(id),
        group_id uuid NOT NULL REFERENCES directory_groups(id),
        connection_id uuid NOT NULL REFERENCES connections(id),
        PRIMARY KEY (application_id, group_id)
      )`);
    await q.query(
      `CREATE INDEX directory_application_groups_group_idx ON directory_application_groups (group_id)`,
    );
    await q.query(`
      CREATE TABLE directory_sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        trigger text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
        requested_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        stats jsonb,
        error text,
        held jsonb
      )`);
    // The real guard of "at most one run queued or running per connection" (job ids only help).
    await q.query(
      `CREATE UNIQUE INDEX directory_sync_runs_one_open_uq ON directory_sync_runs (connection_id) WHERE status IN ('queued', 'running')`,
    );
    await q.query(
      `CREATE INDEX directory_sync_runs_list_idx ON directory_sync_runs (connection_id, created_at DESC, id DESC)`,
    );
    // Read-only view published for set-wise reads by other modules (campaign launch).
    await q.query(`
      CREATE VIEW directory_membership_view AS
      SELECT m.connection_id, m.group_id, m.account_id, m.since,
             g.name AS group_name, g.membership_method,
             a.kind, a.email, a.display_name, a.state, a.department, a.job_title, a.manager_external_id,
             mgr.id AS manager_account_id
      FROM directory_memberships m
      JOIN directory_groups g ON g.id = m.group_id AND g.removed_at IS NULL
      JOIN directory_accounts a ON a.id = m.account_id AND a.removed_at IS NULL
      LEFT JOIN directory_accounts mgr ON mgr.connection_id = a.connection_id AND mgr.kind = 'user'
           AND mgr.external_id = a.manager_external_id AND mgr.removed_at IS NULL
      WHERE m.removed_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW directory_membership_view`);
    for (const t of [
      'directory_sync_runs',
      'directory_application_groups',
      'directory_applications',
      'directory_membership_history',
      'directory_memberships',
      'directory_groups',
      'directory_accounts',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
