import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class ClusterTick1764000000000 implements MigrationInterface {
  name = 'ClusterTick1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cluster_tick_state (
        name text PRIMARY KEY,
        last_run_at timestamptz NOT NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cluster_tick_state`);
  }
}
