import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A grant never overlays standing access (ARCHITECTURE.md rule 3): an add reads the membership in
 * JumpCloud first, and what it found is kept on the operation (`result`: `already_member` means
 * nothing was written and nothing of jumpgate's is there to remove). `write_uncertain` remembers
 * that an earlier write attempt timed out or got a 5xx, so it may have landed: a member found after
 * that is jumpgate's own add. A grant that found a standing member ends `already_member`.
 */
export class GrantsNeverOverlayStandingAccess1764000009000 implements MigrationInterface {
  name = 'GrantsNeverOverlayStandingAccess1764000009000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provisioning_operations
      ADD COLUMN result text CONSTRAINT provisioning_operations_result_check
        CHECK (result IN ('added', 'already_member', 'removed', 'not_member')),
      ADD COLUMN write_uncertain boolean NOT NULL DEFAULT false`);
    // The next sync checks whether such a failed add landed after all.
    await q.query(`CREATE INDEX provisioning_operations_uncertain_idx ON provisioning_operations (connection_id, completed_at)
      WHERE status = 'failed' AND write_uncertain AND verification = 'pending'`);
    await q.query(`ALTER TABLE access_grants
      DROP CONSTRAINT access_grants_end_reason_check,
      ADD CONSTRAINT access_grants_end_reason_check
        CHECK (end_reason IN ('expired', 'revoked', 'removed_outside', 'already_member'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // The older schema has no word for it: such grants end without a reason.
    await q.query(`UPDATE access_grants SET end_reason = NULL WHERE end_reason = 'already_member'`);
    await q.query(`ALTER TABLE access_grants
      DROP CONSTRAINT access_grants_end_reason_check,
      ADD CONSTRAINT access_grants_end_reason_check
        CHECK (end_reason IN ('expired', 'revoked', 'removed_outside'))`);
    await q.query(`DROP INDEX provisioning_operations_uncertain_idx`);
    await q.query(`ALTER TABLE provisioning_operations DROP COLUMN write_uncertain, DROP COLUMN result`);
  }
}
