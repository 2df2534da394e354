import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type ApprovalStep } from './approval-steps.policy';
import { type AutoApproveRule } from './auto-approve.policy';
import { type PolicyRow } from './dto/access.rows';
import { type OutOfBandAdds } from './drift.policy';

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
  eligibleAccountIds: string[];
  outOfBandAdds: OutOfBandAdds;
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
         warn_before_expiry_minutes, approval_steps, auto_approve_rules, request_ttl_hours, break_glass,
         eligible_account_ids, out_of_band_adds)
       VALUES ($1, $2, $3::uuid[], $4, $5, $6, $7::uuid[], $8, $9, $10, $11::uuid[], $12, $13::jsonb, $14::jsonb, $15,
         $16::jsonb, $17::uuid[], $18)
       ON CONFLICT (group_id) DO UPDATE SET owner_ids = EXCLUDED.owner_ids, requestable = EXCLUDED.requestable,
         max_duration_minutes = EXCLUDED.max_duration_minutes, default_duration_minutes = EXCLUDED.default_duration_minutes,
         approver_ids = EXCLUDED.approver_ids, approvals_required = EXCLUDED.approvals_required,
         require_justification = EXCLUDED.require_justification, auto_approve = EXCLUDED.auto_approve,
         eligible_group_ids = EXCLUDED.eligible_group_ids, eligible_account_ids = EXCLUDED.eligible_account_ids,
         warn_before_expiry_minutes = EXCLUDED.warn_before_expiry_minutes, approval_steps = EXCLUDED.approval_steps,
         auto_approve_rules = EXCLUDED.auto_approve_rules, request_ttl_hours = EXCLUDED.request_ttl_hours,
         break_glass = EXCLUDED.break_glass, out_of_band_adds = EXCLUDED.out_of_band_adds,
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
        v.eligibleAccountIds,
        v.outOfBandAdds,
      ],
    );
    return saved;
  }

  /** Owners and `outOfBandAdds` of these groups' policies (groups without one are absent), in `m`. */
  async getDriftPolicies(
    m: EntityManager,
    groupIds: string[],
  ): Promise<Map<string, { ownerIds: string[]; outOfBandAdds: OutOfBandAdds }>> {
    const rows = await m.query<{ group_id: string; owner_ids: string[]; out_of_band_adds: OutOfBandAdds }[]>(
      `SELECT group_id, owner_ids, out_of_band_adds FROM access_group_policies WHERE group_id = ANY($1::uuid[])`,
      [groupIds],
    );
    return new Map(
      rows.map((r) => [r.group_id, { ownerIds: r.owner_ids, outOfBandAdds: r.out_of_band_adds }]),
    );
  }

  /** Of these groups, those with a requestable policy. */
  async requestableAmong(groupIds: string[]): Promise<Set<string>> {
    const rows = await this.dataSource.query<{ group_id: string }[]>(
      `SELECT group_id FROM access_group_policies WHERE requestable AND group_id = ANY($1::uuid[])`,
      [groupIds],
    );
    return new Set(rows.map((r) => r.group_id));
  }

  /**
   * Adds each account to its group's eligible_account_ids (once), set-wise in the caller's
   * transaction; returns the pairs it added (an account already there is not).
   */
  async addEligibleAccounts(
    m: EntityManager,
    pairs: { groupId: string; accountId: string }[],
  ): Promise<{ group_id: string; account_id: string }[]> {
    return m.query<{ group_id: string; account_id: string }[]>(
      `WITH wanted AS (
         SELECT DISTINCT w.group_id, w.account_id FROM unnest($1::uuid[], $2::uuid[]) AS w(group_id, account_id)
         JOIN access_group_policies p ON p.group_id = w.group_id AND NOT w.account_id = ANY(p.eligible_account_ids)),
       upd AS (
         UPDATE access_group_policies p SET eligible_account_ids = p.eligible_account_ids || x.ids, updated_at = now()
         FROM (SELECT group_id, array_agg(account_id) AS ids FROM wanted GROUP BY group_id) x
         WHERE p.group_id = x.group_id RETURNING p.group_id)
       SELECT w.group_id, w.account_id FROM wanted w JOIN upd u ON u.group_id = w.group_id`,
      [pairs.map((p) => p.groupId), pairs.map((p) => p.accountId)],
    );
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
