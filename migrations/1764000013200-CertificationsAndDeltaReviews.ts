import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API.md "Campaigns that run themselves": certifications, delta campaigns and `convert_to_jit`.
 *
 * - `certifications`: one row per kept membership a close certified, never updated but for `ended_at`
 *   (a later close supersedes it, a removal ends it), so what a delta campaign carried stays as it was.
 *   One live row per membership. `membership_since` is the membership it certified: a membership
 *   removed and added again has another `since`, so the old certification no longer covers it.
 * - `campaign_carried`: the certifications a delta launch carried instead of making items (one narrow
 *   row each; the report and progress.carried read them).
 * Grants come from the default privileges given to jumpgate_app.
 */
export class CertificationsAndDeltaReviews1764000013200 implements MigrationInterface {
  name = 'CertificationsAndDeltaReviews1764000013200';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaigns
        ADD COLUMN mode text NOT NULL DEFAULT 'full' CHECK (mode IN ('full', 'delta')),
        ADD COLUMN certification_valid_days double precision NOT NULL DEFAULT 365
          CHECK (certification_valid_days > 0)`);
    await q.query(`ALTER TABLE review_items DROP CONSTRAINT review_items_decision_check`);
    await q.query(`ALTER TABLE review_items ADD CONSTRAINT review_items_decision_check
      CHECK (decision IN ('keep', 'revoke', 'convert_to_jit'))`);
    // The certification in force when the item was made, then the one its close gave a kept item; and
    // the member's MFA state as the reviewer saw it.
    await q.query(
      `ALTER TABLE review_items ADD COLUMN certified_until timestamptz, ADD COLUMN mfa_configured boolean`,
    );
    await q.query(`
      CREATE TABLE certifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL,
        account_id uuid NOT NULL,
        group_id uuid NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns (id),
        review_item_id uuid NOT NULL,
        -- Who decided keep (for a default decision at close, the assigned reviewer).
        reviewer_id uuid,
        decided_at timestamptz NOT NULL,
        certified_until timestamptz NOT NULL,
        membership_since timestamptz NOT NULL,
        -- The member as certified: a later change of department or manager is a reason to look again.
        department text,
        manager_account_id uuid,
        ended_at timestamptz,
        end_reason text CHECK (end_reason IN ('superseded', 'removed')),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX certifications_live_uq ON certifications (group_id, account_id)
      WHERE ended_at IS NULL`);
    await q.query(
      `CREATE INDEX certifications_list_idx ON certifications (created_at, id) WHERE ended_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX certifications_account_idx ON certifications (account_id) WHERE ended_at IS NULL`,
    );
    await q.query(`
      CREATE TABLE campaign_carried (
        campaign_id uuid NOT NULL,
        certification_id uuid NOT NULL,
        PRIMARY KEY (campaign_id, certification_id)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_carried`);
    await q.query(`DROP TABLE certifications`);
    await q.query(`ALTER TABLE review_items DROP COLUMN mfa_configured, DROP COLUMN certified_until`);
    await q.query(`ALTER TABLE review_items DROP CONSTRAINT review_items_decision_check`);
    await q.query(`ALTER TABLE review_items ADD CONSTRAINT review_items_decision_check
      CHECK (decision IN ('keep', 'revoke'))`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN certification_valid_days, DROP COLUMN mode`);
  }
}
