import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Drift (API.md "Access, activity and drift"): the group policy's `outOfBandAdds` says what happens to
 * a membership that appears in JumpCloud without jumpgate (default `allow`, a constant default: no
 * rewrite of the table), and the outbox takes removals whose source is the drift (`sourceType:
 * "drift"`, source id the sync run that saw it).
 */
export class OutOfBandAdds1764000014510 implements MigrationInterface {
  name = 'OutOfBandAdds1764000014510';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_group_policies ADD COLUMN out_of_band_adds text NOT NULL DEFAULT 'allow'
      CHECK (out_of_band_adds IN ('allow', 'review', 'revert'))`);
    await q.query(
      `ALTER TABLE provisioning_operations DROP CONSTRAINT provisioning_operations_source_type_check`,
    );
    await q.query(`ALTER TABLE provisioning_operations ADD CONSTRAINT provisioning_operations_source_type_check
      CHECK (source_type IN ('review_item', 'grant', 'drift'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE provisioning_operations DROP CONSTRAINT provisioning_operations_source_type_check`,
    );
    await q.query(`ALTER TABLE provisioning_operations ADD CONSTRAINT provisioning_operations_source_type_check
      CHECK (source_type IN ('review_item', 'grant')) NOT VALID`);
    await q.query(`ALTER TABLE access_group_policies DROP COLUMN out_of_band_adds`);
  }
}
