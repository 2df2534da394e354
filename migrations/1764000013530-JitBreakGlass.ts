import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Break-glass (API.md "Just-in-time additions"): a policy's `breakGlass` ({enabled, maxDurationMinutes};
 * NULL: none), and requests marked `break_glass`, granted at once; the index finds a person's uses of a
 * group in the last 24 hours (at most one).
 */
export class JitBreakGlass1764000013530 implements MigrationInterface {
  name = 'JitBreakGlass1764000013530';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_group_policies ADD COLUMN break_glass jsonb`);
    await q.query(`ALTER TABLE access_requests ADD COLUMN break_glass boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX access_requests_break_glass_idx ON access_requests (requester_id, group_id, created_at)
      WHERE break_glass`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX access_requests_break_glass_idx`);
    await q.query(`ALTER TABLE access_requests DROP COLUMN break_glass`);
    await q.query(`ALTER TABLE access_group_policies DROP COLUMN break_glass`);
  }
}
