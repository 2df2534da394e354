import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Who made a membership change jumpgate did not make (API.md history routes, `changedBy`), from
 * Directory Insights `association_change` events read once per sync.
 *
 * - `changed_by_type`: NULL while nobody could tell (insights not readable, or a row jumpgate made:
 *   its operation says who); `unknown` when insights were read and no event matched; else what the
 *   event's `initiated_by` says. Email and name as JumpCloud stores them (lowercase).
 * - Nullable columns without a default: adding them rewrites nothing, however long the history.
 * - The partial index serves the next sync's second look at its predecessors' unattributed rows
 *   (events arrive late), a small share of the table.
 */
export class MembershipChangeAttribution1764000014500 implements MigrationInterface {
  name = 'MembershipChangeAttribution1764000014500';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_membership_history
      ADD COLUMN changed_by_type text CHECK (changed_by_type IN ('admin', 'api_key', 'scim', 'unknown')),
      ADD COLUMN changed_by_email text,
      ADD COLUMN changed_by_name text`);
    await q.query(`CREATE INDEX directory_membership_history_unattributed_idx
      ON directory_membership_history (connection_id, at)
      WHERE operation_id IS NULL AND (changed_by_type IS NULL OR changed_by_type = 'unknown')`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX directory_membership_history_unattributed_idx`);
    await q.query(`ALTER TABLE directory_membership_history
      DROP COLUMN changed_by_name, DROP COLUMN changed_by_email, DROP COLUMN changed_by_type`);
  }
}
