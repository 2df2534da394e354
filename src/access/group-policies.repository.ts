import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type ApprovalStep } from './approval-steps.policy';
import { type AutoApproveRule } from './auto-approve.policy';
import { type PolicyRow } from './dto/access.rows';

/** The values a policy is saved with (owners and approvers already deduplicated). */
export interface PolicyValues {
  ownerIds: string[];
  requestable: boolean;
  maxDurationMinutes: number;
  defaultDurationMinutes: number | null;
  approverIds: string[] | null;
  approvalsRequired: number;
  requireJustification: boolean;
  autoApprove: boolean;
  eligibleGroupIds: string[] | null;
  warnBeforeExpiryMinutes: number;
  approvalSteps: ApprovalStep[] | null;
  autoApproveRules: AutoApproveRule[] | null;
  requestTtlHours: number;
  breakGlass: { enabled: boolean; maxDurationMinutes: number } | null;
}

/** The SQL of `access_group_policies`. */
@Injectable()
export class GroupPoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(groupId: string, m: EntityManager = this.dataSource.manager): Promise<PolicyRow | null> {
    const [row] = await m.query<PolicyRow[]>(`SELECT * FROM access_group_policies WHERE group_id = $1`, [
      groupId,
    ]);
    return row ?? null;
  }

  async upsert(m: EntityManager, groupId: string, connectionId: string, v: PolicyValues): Promise<PolicyRow> {
    const [saved] = await m.query<PolicyRow[]>(
      `INSERT INTO access_group_policies (group_id, connection_id, owner_ids, requestable, max_duration_minutes,
         default_duration_minutes, approver_ids, approvals_required, require_justification, auto_approve, eligible_group_ids,
         warn_before_expiry_minutes, approval_steps, auto_approve_rules, request_ttl_hours, break_glass)
       VALUES ($1, $2, $3::uuid[], $4, $5, $6, $7::uuid[], $8, $9, $10, $11::uuid[], $12, $13::jsonb, $14::jsonb, $15, $16::jsonb)
       ON CONFLICT (group_id) DO UPDATE SET owner_ids = EXCLUDED.owner_ids, requestable = EXCLUDED.requestable,
         max_duration_minutes = EXCLUDED.max_duration_minutes, default_duration_minutes = EXCLUDED.default_duration_minutes,
         approver_ids = EXCLUDED.approver_ids, approvals_required = EXCLUDED.approvals_required,
         require_justification = EXCLUDED.require_justification, auto_approve = EXCLUDED.auto_approve,
         eligible_group_ids = EXCLUDED.eligible_group_ids,
         warn_before_expiry_minutes = EXCLUDED.warn_before_expiry_minutes, approval_steps = EXCLUDED.approval_steps,
         auto_approve_rules = EXCLUDED.auto_approve_rules, request_ttl_hours = EXCLUDED.request_ttl_hours,
         break_glass = EXCLUDED.break_glass,
         updated_at = now()
       RETURNING *`,
      [
        groupId,
        connectionId,
        v.ownerIds,
        v.requestable,
        v.maxDurationMinutes,
        v.defaultDurationMinutes,
        v.approverIds,
        v.approvalsRequired,
        v.requireJustification,
        v.autoApprove,
        v.eligibleGroupIds,
        v.warnBeforeExpiryMinutes,
        v.approvalSteps === null ? null : JSON.stringify(v.approvalSteps),
        v.autoApproveRules === null ? null : JSON.stringify(v.autoApproveRules),
        v.requestTtlHours,
        v.breakGlass === null ? null : JSON.stringify(v.breakGlass),
      ],
    );
    return saved;
  }

  /** One keyset page (limit + 1 rows, by created_at and group_id) of the requestable policies of these connections. */
  async getRequestableInConnections(connectionIds: string[], ks: Keyset): Promise<PolicyRow[]> {
    return this.dataSource.query<PolicyRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM access_group_policies
       WHERE requestable AND connection_id = ANY($1::uuid[])
         AND ${ks.after(2, { id: 'group_id' })}
       ORDER BY created_at, group_id LIMIT $4`,
      [connectionIds, ...ks.params],
    );
  }
}
