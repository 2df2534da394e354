import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Items decided (or expired) before 1764000015200 in campaigns still open then carry no frozen
 * activity; a close freezes only the items still pending (in the write that gives them the default
 * decision). They take today's activity, the nearest thing left to what their reviewers saw, so every
 * item that is not pending has its activity frozen.
 */
export class FreezeDecidedItemActivity1764000015210 implements MigrationInterface {
  name = 'FreezeDecidedItemActivity1764000015210';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE review_items i SET activity_frozen_at = now(),
        frozen_last_sign_in_at = (SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v
          WHERE v.account_id = i.account_id),
        frozen_application_sign_ins = (SELECT jsonb_object_agg(x.application_id, x.at) FROM
          (SELECT v.application_id, max(v.last_sign_in_at) AS at FROM directory_sign_in_view v
           WHERE v.account_id = i.account_id AND v.application_id IS NOT NULL GROUP BY v.application_id) x)
      WHERE i.status <> 'pending' AND i.activity_frozen_at IS NULL`);
  }

  public async down(): Promise<void> {
    // Data only: the values stay (1764000015200's down drops the columns).
  }
}
