import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API.md "Notifications": the policy field `warnBeforeExpiryMinutes` (default 10; 0 = no warning), and
 * per grant the expiry it was last warned of, so the tick warns once per expiry in force (an extension
 * moves the expiry and earns a new warning).
 */
export class GrantExpiringWarnings1764000013000 implements MigrationInterface {
  name = 'GrantExpiringWarnings1764000013000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE access_group_policies
        ADD COLUMN warn_before_expiry_minutes integer NOT NULL DEFAULT 10 CHECK (warn_before_expiry_minutes >= 0)`);
    await q.query(`ALTER TABLE access_grants ADD COLUMN warned_expires_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_grants DROP COLUMN warned_expires_at`);
    await q.query(`ALTER TABLE access_group_policies DROP COLUMN warn_before_expiry_minutes`);
  }
}
