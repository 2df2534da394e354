import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A first sync inserts every membership of the organisation (a million rows) in one statement, and
 * the foreign keys of directory_memberships cost three trigger calls per row: measured 13.4 s with
 * them against 5.6 s without for 1,000,000 rows. Memberships (and their history) are written only by
 * the sync and by provisioning, both with ids read from directory_accounts and directory_groups in
 * the same transaction, and accounts, groups and connections are never deleted (removal is a
 * `removed_at` / `deleted_at` stamp), so the references hold without the checks.
 */
export class DirectoryMembershipsWithoutRowChecks1764000008000 implements MigrationInterface {
  name = 'DirectoryMembershipsWithoutRowChecks1764000008000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_memberships
      DROP CONSTRAINT directory_memberships_account_id_fkey,
      DROP CONSTRAINT directory_memberships_group_id_fkey,
      DROP CONSTRAINT directory_memberships_connection_id_fkey`);
    await q.query(`ALTER TABLE directory_membership_history
      DROP CONSTRAINT directory_membership_history_connection_id_fkey`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_membership_history ADD CONSTRAINT directory_membership_history_connection_id_fkey
      FOREIGN KEY (connection_id) REFERENCES connections(id)`);
    await q.query(`ALTER TABLE directory_memberships
      ADD CONSTRAINT directory_memberships_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id),
      ADD CONSTRAINT directory_memberships_group_id_fkey FOREIGN KEY (group_id) REFERENCES directory_groups(id),
      ADD CONSTRAINT directory_memberships_account_id_fkey FOREIGN KEY (account_id) REFERENCES directory_accounts(id)`);
  }
}
