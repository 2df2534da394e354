import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Auto-approve rules and the request TTL (API.md "Just-in-time additions"): a policy's
 * `autoApproveRules` (NULL: none besides the older `auto_approve`) and `requestTtlHours` (fractions
 * allowed, default 72); each request keeps the moment it expires, taken from its policy when made.
 */
export class JitAutoApproveRulesAndRequestTtl1764000013510 implements MigrationInterface {
  name = 'JitAutoApproveRulesAndRequestTtl1764000013510';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_group_policies
      ADD COLUMN auto_approve_rules jsonb,
      ADD COLUMN request_ttl_hours double precision NOT NULL DEFAULT 72 CHECK (request_ttl_hours > 0)`);
    await q.query(`ALTER TABLE access_requests ADD COLUMN expires_at timestamptz`);
    await q.query(`UPDATE access_requests SET expires_at = created_at + interval '72 hours'`);
    await q.query(`ALTER TABLE access_requests ALTER COLUMN expires_at SET NOT NULL`);
    await q.query(`DROP INDEX access_requests_pending_idx`);
    await q.query(
      `CREATE INDEX access_requests_pending_expiry_idx ON access_requests (expires_at) WHERE status = 'pending'`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX access_requests_pending_expiry_idx`);
    await q.query(
      `CREATE INDEX access_requests_pending_idx ON access_requests (created_at) WHERE status = 'pending'`,
    );
    await q.query(`ALTER TABLE access_requests DROP COLUMN expires_at`);
    await q.query(
      `ALTER TABLE access_group_policies DROP COLUMN request_ttl_hours, DROP COLUMN auto_approve_rules`,
    );
  }
}
