import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Membership history as an API (API.md `GET /groups/{id}/history`, `GET /accounts/{id}/history`), and
 * the times it rests on.
 *
 * - `seen_at_baseline`: a connection's first sync copies every membership without a history row; its
 *   `since` is when jumpgate first looked, not when the person joined, so no "joined recently"
 *   recommendation may come from it. Rows already there are marked from their history: after the
 *   baseline every membership change writes a history row, so a pair without any was seen by the baseline.
 * - Time defaults: `now()` is the start of the transaction, and a sync writes inside one that lasts
 *   minutes (a first sync copies while it lists). `clock_timestamp()` is the moment the row is written.
 * - Indexes for newest-first history per group and per account, and for the sync's question "did
 *   jumpgate change this membership after my listing began?" (operation rows only, a small share).
 */
export class MembershipHistoryTruths1764000009300 implements MigrationInterface {
  name = 'MembershipHistoryTruths1764000009300';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE directory_memberships ADD COLUMN seen_at_baseline boolean NOT NULL DEFAULT false`,
    );
    await q.query(`UPDATE directory_memberships m SET seen_at_baseline = true
      WHERE NOT EXISTS (SELECT 1 FROM directory_membership_history h
                        WHERE h.group_id = m.group_id AND h.account_id = m.account_id)`);
    for (const [table, column] of [
      ['directory_memberships', 'since'],
      ['directory_membership_history', 'at'],
      ['directory_accounts', 'created_at'],
      ['directory_accounts', 'updated_at'],
      ['directory_groups', 'created_at'],
      ['directory_groups', 'updated_at'],
      ['directory_applications', 'created_at'],
      ['directory_applications', 'updated_at'],
    ]) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT clock_timestamp()`);
    }
    await q.query(
      `CREATE INDEX directory_membership_history_group_at_idx ON directory_membership_history (group_id, at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX directory_membership_history_account_at_idx ON directory_membership_history (account_id, at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX directory_membership_history_operation_at_idx
      ON directory_membership_history (connection_id, at) WHERE operation_id IS NOT NULL`);
    // The same view with one more column, last (CREATE OR REPLACE VIEW may only append columns).
    await q.query(`
      CREATE OR REPLACE VIEW directory_membership_view AS
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
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW directory_membership_view`);
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
    await q.query(`DROP INDEX directory_membership_history_operation_at_idx`);
    await q.query(`DROP INDEX directory_membership_history_account_at_idx`);
    await q.query(`DROP INDEX directory_membership_history_group_at_idx`);
    for (const [table, column] of [
      ['directory_memberships', 'since'],
      ['directory_membership_history', 'at'],
      ['directory_accounts', 'created_at'],
      ['directory_accounts', 'updated_at'],
      ['directory_groups', 'created_at'],
      ['directory_groups', 'updated_at'],
      ['directory_applications', 'created_at'],
      ['directory_applications', 'updated_at'],
    ]) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT now()`);
    }
    await q.query(`ALTER TABLE directory_memberships DROP COLUMN seen_at_baseline`);
  }
}
