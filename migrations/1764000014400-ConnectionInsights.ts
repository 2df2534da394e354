import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Whether a connection's credentials may read Directory Insights (API.md "Access, activity and drift"):
 * `readable`, `forbidden` (the role lacks it) or `unavailable` (not known or not answering). Stored so
 * connection reads never call JumpCloud; written by the connection test, create, PATCH and after every
 * sync. Existing connections start `unavailable` until one of those looks.
 */
export class ConnectionInsights1764000014400 implements MigrationInterface {
  name = 'ConnectionInsights1764000014400';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections
      ADD COLUMN insights text NOT NULL DEFAULT 'unavailable'
        CHECK (insights IN ('readable', 'forbidden', 'unavailable')),
      ADD COLUMN insights_checked_at timestamptz`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE connections DROP COLUMN insights_checked_at, DROP COLUMN insights`);
  }
}
