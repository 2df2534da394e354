import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A review item's sign-in activity as its reviewer saw it (the evidence of a closed campaign says what
 * was decided on, whatever sign-ins come later): `activity_frozen_at` (when it was taken, at the
 * decision or, for an item nobody decided, at close; null: not yet), the account's last sign-in and
 * the last sign-in per application id (JSON object, as `directory_sign_in_view` gives them). Items of
 * campaigns closed before this migration take today's activity, the nearest thing left to what their
 * reviewers saw, so their evidence stops changing from now on. New columns of an existing table: its
 * grants cover them.
 */
export class FrozenItemActivity1764000015200 implements MigrationInterface {
  name = 'FrozenItemActivity1764000015200';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items
      ADD COLUMN activity_frozen_at timestamptz,
      ADD COLUMN frozen_last_sign_in_at timestamptz,
      ADD COLUMN frozen_application_sign_ins jsonb`);
    await q.query(`UPDATE review_items i SET activity_frozen_at = now(),
        frozen_last_sign_in_at = (SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v
          WHERE v.account_id = i.account_id),
        frozen_application_sign_ins = (SELECT jsonb_object_agg(x.application_id, x.at) FROM
          (SELECT v.application_id, max(v.last_sign_in_at) AS at FROM directory_sign_in_view v
           WHERE v.account_id = i.account_id AND v.application_id IS NOT NULL GROUP BY v.application_id) x)
      FROM campaigns c WHERE c.id = i.campaign_id AND c.status = 'closed'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items
      DROP COLUMN frozen_application_sign_ins, DROP COLUMN frozen_last_sign_in_at, DROP COLUMN activity_frozen_at`);
  }
}
