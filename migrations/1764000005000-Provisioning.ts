import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Provisioning1764000005000 implements MigrationInterface {
  name = 'Provisioning1764000005000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provisioning_operations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        action text NOT NULL CHECK (action IN ('add_member', 'remove_member')),
        account_id uuid NOT NULL REFERENCES directory_accounts(id),
        group_id uuid NOT NULL REFERENCES directory_groups(id),
        reason text NOT NULL,
        source_type text NOT NULL CHECK (source_type IN ('review_item', 'grant')),
        source_id uuid NOT NULL,
        -- (source, action, account, group): enqueueing the same intent twice yields one operation.
        idempotency_key text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'manual')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        verification text NOT NULL DEFAULT 'pending' CHECK (verification IN ('pending', 'confirmed', 'contradicted')),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        started_at timestamptz,
        completed_at timestamptz
      )`);
    // Open operations of one membership, oldest first: the order they must apply in.
    await q.query(`CREATE INDEX provisioning_operations_open_idx ON provisioning_operations (group_id, account_id, created_at, id)
      WHERE status IN ('pending', 'running')`);
    await q.query(
      `CREATE INDEX provisioning_operations_list_idx ON provisioning_operations (created_at, id)`,
    );
    await q.query(
      `CREATE INDEX provisioning_operations_source_idx ON provisioning_operations (source_type, source_id)`,
    );
    await q.query(`CREATE INDEX provisioning_operations_verify_idx ON provisioning_operations (connection_id, completed_at)
      WHERE status = 'succeeded' AND verification = 'pending'`);
    // Membership changes jumpgate made itself are history too, tied to their operation instead of a sync run.
    await q.query(`ALTER TABLE directory_membership_history ALTER COLUMN run_id DROP NOT NULL`);
    await q.query(`ALTER TABLE directory_membership_history ADD COLUMN operation_id uuid`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE directory_membership_history DROP COLUMN operation_id`);
    await q.query(`DROP TABLE provisioning_operations`);
  }
}
