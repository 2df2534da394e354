import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Scheduled starts (API.md "Just-in-time additions"): a request may ask for `startsAt` up to 30 days
 * ahead; its approved grant is `scheduled` until then (`scheduled_for`; `starts_at` stays the moment
 * JumpCloud confirmed the membership, when the clock starts), counts as the membership's live grant,
 * and ends `not_eligible` without any JumpCloud call when the re-check at start fails.
 */
export class JitScheduledStart1764000013520 implements MigrationInterface {
  name = 'JitScheduledStart1764000013520';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_requests ADD COLUMN starts_at timestamptz`);
    await q.query(`ALTER TABLE access_grants
      ADD COLUMN scheduled_for timestamptz,
      DROP CONSTRAINT access_grants_status_check,
      ADD CONSTRAINT access_grants_status_check
        CHECK (status IN ('scheduled', 'provisioning', 'active', 'revoking', 'ended', 'failed')),
      DROP CONSTRAINT access_grants_end_reason_check,
      ADD CONSTRAINT access_grants_end_reason_check
        CHECK (end_reason IN ('expired', 'revoked', 'removed_outside', 'already_member', 'not_eligible'))`);
    await q.query(`DROP INDEX access_grants_live_uq`);
    await q.query(`CREATE UNIQUE INDEX access_grants_live_uq ON access_grants (group_id, account_id)
      WHERE status IN ('scheduled', 'provisioning', 'active', 'revoking')`);
    // The cluster tick's look for scheduled grants due to start.
    await q.query(
      `CREATE INDEX access_grants_scheduled_idx ON access_grants (scheduled_for) WHERE status = 'scheduled'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    // The older schema has no word for them: scheduled grants end as revoked.
    await q.query(
      `UPDATE access_grants SET status = 'ended', end_reason = 'revoked', ended_at = now() WHERE status = 'scheduled'`,
    );
    await q.query(`UPDATE access_grants SET end_reason = 'revoked' WHERE end_reason = 'not_eligible'`);
    await q.query(`DROP INDEX access_grants_scheduled_idx`);
    await q.query(`DROP INDEX access_grants_live_uq`);
    await q.query(`CREATE UNIQUE INDEX access_grants_live_uq ON access_grants (group_id, account_id)
      WHERE status IN ('provisioning', 'active', 'revoking')`);
    await q.query(`ALTER TABLE access_grants
      DROP CONSTRAINT access_grants_end_reason_check,
      ADD CONSTRAINT access_grants_end_reason_check
        CHECK (end_reason IN ('expired', 'revoked', 'removed_outside', 'already_member')),
      DROP CONSTRAINT access_grants_status_check,
      ADD CONSTRAINT access_grants_status_check
        CHECK (status IN ('provisioning', 'active', 'revoking', 'ended', 'failed')),
      DROP COLUMN scheduled_for`);
    await q.query(`ALTER TABLE access_requests DROP COLUMN starts_at`);
  }
}
