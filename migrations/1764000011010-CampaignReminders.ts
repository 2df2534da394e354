import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** API.md "Notifications": campaign reminder, close and escalation fields (numbers of days, fractions allowed). */
export class CampaignReminders1764000011010 implements MigrationInterface {
  name = 'CampaignReminders1764000011010';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN reminder_days_before_due double precision[] NOT NULL DEFAULT '{7,3,1}',
        ADD COLUMN overdue_every_days double precision NOT NULL DEFAULT 1 CHECK (overdue_every_days > 0),
        ADD COLUMN close_after_due_days double precision NOT NULL DEFAULT 0 CHECK (close_after_due_days >= 0),
        ADD COLUMN escalate_after_days double precision NOT NULL DEFAULT 3 CHECK (escalate_after_days >= 0),
        -- The last reminder period the tick sent (d-<i>, overdue-<n>): it computes digests only on a change.
        ADD COLUMN reminded_period text,
        ADD COLUMN escalated_at timestamptz`);
    // The reminder tick reads active campaigns only.
    await q.query(`CREATE INDEX campaigns_active_idx ON campaigns (id) WHERE status = 'active'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX campaigns_active_idx`);
    await q.query(`
      ALTER TABLE campaigns DROP COLUMN escalated_at, DROP COLUMN reminded_period, DROP COLUMN escalate_after_days,
        DROP COLUMN close_after_due_days, DROP COLUMN overdue_every_days, DROP COLUMN reminder_days_before_due`);
  }
}
