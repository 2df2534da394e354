import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A launch inserts every membership in scope (a million rows) in one statement; the two foreign keys
 * of review_items cost one trigger call per row each, a third of the launch's time. Items are written
 * only by the launch of their campaign, under that campaign's row lock, and never deleted, so the
 * references hold without the checks.
 */
export class ReviewItemsWithoutRowChecks1764000007100 implements MigrationInterface {
  name = 'ReviewItemsWithoutRowChecks1764000007100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items DROP CONSTRAINT review_items_campaign_id_fkey`);
    await q.query(`ALTER TABLE review_items DROP CONSTRAINT review_items_connection_id_fkey`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE review_items ADD CONSTRAINT review_items_connection_id_fkey
      FOREIGN KEY (connection_id) REFERENCES connections(id)`);
    await q.query(`ALTER TABLE review_items ADD CONSTRAINT review_items_campaign_id_fkey
      FOREIGN KEY (campaign_id) REFERENCES campaigns(id)`);
  }
}
