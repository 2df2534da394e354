import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Access1764000006000 implements MigrationInterface {
  name = 'Access1764000006000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_group_policies (
        group_id uuid PRIMARY KEY REFERENCES directory_groups(id),
        connection_id uuid NOT NULL REFERENCES connections(id),
        owner_ids uuid[] NOT NULL DEFAULT '{}',
        requestable boolean NOT NULL,
        max_duration_minutes integer NOT NULL CHECK (max_duration_minutes >= 1),
        default_duration_minutes integer CHECK (default_duration_minutes >= 1),
        -- NULL: the owners approve.
        approver_ids uuid[],
        approvals_required integer NOT NULL DEFAULT 1 CHECK (approvals_required >= 1),
        require_justification boolean NOT NULL,
        auto_approve boolean NOT NULL DEFAULT false,
        -- NULL: any account of the connection may request.
        eligible_group_ids uuid[],
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX access_group_policies_requestable_idx ON access_group_policies (created_at, group_id) WHERE requestable`,
    );
    await q.query(`
      CREATE TABLE access_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        request_id uuid NOT NULL,
        connection_id uuid NOT NULL REFERENCES connections(id),
        account_id uuid NOT NULL REFERENCES directory_accounts(id),
        group_id uuid NOT NULL REFERENCES directory_groups(id),
        duration_minutes integer NOT NULL CHECK (duration_minutes >= 1),
        status text NOT NULL DEFAULT 'provisioning'
          CHECK (status IN ('provisioning', 'active', 'revoking', 'ended', 'failed')),
        starts_at timestamptz,
        expires_at timestamptz,
        ended_at timestamptz,
        end_reason text CHECK (end_reason IN ('expired', 'revoked', 'removed_outside')),
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One live grant per membership: a second approval extends it instead.
    await q.query(`CREATE UNIQUE INDEX access_grants_live_uq ON access_grants (group_id, account_id)
      WHERE status IN ('provisioning', 'active', 'revoking')`);
    // The expiry sweep: active grants by expiry.
    await q.query(
      `CREATE INDEX access_grants_expiry_idx ON access_grants (expires_at) WHERE status = 'active'`,
    );
    await q.query(`CREATE INDEX access_grants_list_idx ON access_grants (created_at, id)`);
    await q.query(`CREATE INDEX access_grants_account_idx ON access_grants (account_id)`);
    await q.query(`
      CREATE TABLE access_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES connections(id),
        group_id uuid NOT NULL REFERENCES directory_groups(id),
        account_id uuid NOT NULL REFERENCES directory_accounts(id),
        requester_id uuid NOT NULL REFERENCES principals(id),
        duration_minutes integer NOT NULL CHECK (duration_minutes >= 1),
        justification text,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'approved', 'denied', 'cancelled', 'expired')),
        grant_id uuid REFERENCES access_grants(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        decided_at timestamptz
      )`);
    // At most one pending request per membership (409 request_pending, also under concurrency).
    await q.query(`CREATE UNIQUE INDEX access_requests_pending_uq ON access_requests (group_id, account_id)
      WHERE status = 'pending'`);
    await q.query(`CREATE INDEX access_requests_list_idx ON access_requests (created_at, id)`);
    await q.query(
      `CREATE INDEX access_requests_pending_idx ON access_requests (created_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE access_request_approvals (
        request_id uuid NOT NULL REFERENCES access_requests(id),
        approver_id uuid NOT NULL REFERENCES principals(id),
        decision text NOT NULL CHECK (decision IN ('approve', 'deny')),
        comment text,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        -- approvalsRequired counts distinct approvers.
        PRIMARY KEY (request_id, approver_id)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_request_approvals`);
    await q.query(`DROP TABLE access_requests`);
    await q.query(`DROP TABLE access_grants`);
    await q.query(`DROP TABLE access_group_policies`);
  }
}
