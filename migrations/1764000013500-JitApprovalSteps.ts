import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Approval steps (API.md "Just-in-time additions"): a policy's `approvalSteps` (NULL: one approvers step
 * of `approvals_required`), copied onto each request when it is made so a pending request keeps the
 * steps it was asked under. `access_request_approvers` holds who may act on each step of a request
 * (the manager, the policy's approvers, and the owners or admins asked when approvers left);
 * `removed_reason` marks one who left. One approval row per person per request (it counts for one
 * step only); rows without a person record a skipped step or an auto-approve rule.
 */
export class JitApprovalSteps1764000013500 implements MigrationInterface {
  name = 'JitApprovalSteps1764000013500';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_group_policies ADD COLUMN approval_steps jsonb`);
    await q.query(`ALTER TABLE access_requests
      ADD COLUMN approval_steps jsonb NOT NULL DEFAULT '[{"kind": "approvers", "required": 1}]',
      ADD COLUMN current_step integer NOT NULL DEFAULT 0 CHECK (current_step >= 0),
      ADD COLUMN approver_changes jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`UPDATE access_requests r
      SET approval_steps = jsonb_build_array(jsonb_build_object('kind', 'approvers', 'required', p.approvals_required))
      FROM access_group_policies p WHERE p.group_id = r.group_id`);
    await q.query(`
      CREATE TABLE access_request_approvers (
        request_id uuid NOT NULL REFERENCES access_requests(id),
        step integer NOT NULL CHECK (step >= 0),
        principal_id uuid NOT NULL REFERENCES principals(id),
        source text NOT NULL CHECK (source IN ('policy', 'manager', 'owner', 'admin')),
        -- NULL: may act; else why this approver was skipped ('disabled', 'accounts_inactive').
        removed_reason text,
        added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (request_id, step, principal_id)
      )`);
    await q.query(
      `CREATE INDEX access_request_approvers_principal_idx ON access_request_approvers (principal_id, request_id)`,
    );
    await q.query(`ALTER TABLE access_request_approvals
      DROP CONSTRAINT access_request_approvals_pkey,
      DROP CONSTRAINT access_request_approvals_decision_check,
      ALTER COLUMN approver_id DROP NOT NULL,
      ADD COLUMN id bigserial PRIMARY KEY,
      ADD COLUMN step integer,
      ADD COLUMN rule integer,
      ADD CONSTRAINT access_request_approvals_decision_check CHECK (decision IN ('approve', 'deny', 'skipped')),
      ADD CONSTRAINT access_request_approvals_who_check
        CHECK (approver_id IS NOT NULL OR decision = 'skipped' OR rule IS NOT NULL)`);
    await q.query(`UPDATE access_request_approvals SET step = 0`);
    // One person's approval counts for one step only.
    await q.query(
      `CREATE UNIQUE INDEX access_request_approvals_person_uq ON access_request_approvals (request_id, approver_id)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM access_request_approvals WHERE approver_id IS NULL`);
    await q.query(`DROP INDEX access_request_approvals_person_uq`);
    await q.query(`ALTER TABLE access_request_approvals
      DROP CONSTRAINT access_request_approvals_who_check,
      DROP CONSTRAINT access_request_approvals_decision_check,
      DROP COLUMN rule, DROP COLUMN step, DROP COLUMN id,
      ALTER COLUMN approver_id SET NOT NULL,
      ADD CONSTRAINT access_request_approvals_decision_check CHECK (decision IN ('approve', 'deny')),
      ADD PRIMARY KEY (request_id, approver_id)`);
    await q.query(`DROP TABLE access_request_approvers`);
    await q.query(`ALTER TABLE access_requests
      DROP COLUMN approver_changes, DROP COLUMN current_step, DROP COLUMN approval_steps`);
    await q.query(`ALTER TABLE access_group_policies DROP COLUMN approval_steps`);
  }
}
