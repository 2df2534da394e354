import { iso } from '../../platform/database/sql';
import { effectiveSteps } from '../approval-steps.policy';
import {
  type AccessRequestResponse,
  type EligibleApprover,
  type GrantResponse,
  type PolicyResponse,
} from './access.dto';
import { type ApprovalRow, type GrantRow, type PolicyRow, type RequestRow } from './access.rows';

/** Who approves a group's requests: its approvers, or its owners when none are named. */
export const approversOf = (p: PolicyRow): string[] => p.approver_ids ?? p.owner_ids;

export function toPolicy(p: PolicyRow): PolicyResponse {
  return {
    groupId: p.group_id,
    ownerIds: p.owner_ids,
    requestable: p.requestable,
    maxDurationMinutes: p.max_duration_minutes,
    defaultDurationMinutes: p.default_duration_minutes ?? p.max_duration_minutes,
    approverIds: approversOf(p),
    approvalsRequired: p.approvals_required,
    requireJustification: p.require_justification,
    autoApprove: p.auto_approve,
    eligibleGroupIds: p.eligible_group_ids,
    warnBeforeExpiryMinutes: p.warn_before_expiry_minutes,
    approvalSteps: effectiveSteps(p),
    autoApproveRules: p.auto_approve_rules ?? [],
    requestTtlHours: p.request_ttl_hours,
    breakGlass: p.break_glass,
    eligibleAccountIds: p.eligible_account_ids,
    outOfBandAdds: p.out_of_band_adds,
    updatedAt: p.updated_at.toISOString(),
  };
}

export function toGrant(g: GrantRow): GrantResponse {
  return {
    id: g.id,
    requestId: g.request_id,
    accountId: g.account_id,
    groupId: g.group_id,
    status: g.status,
    startsAt: iso(g.starts_at ?? g.scheduled_for),
    expiresAt: iso(g.expires_at),
    endedAt: iso(g.ended_at),
    endReason: g.status === 'ended' ? g.end_reason : null,
    failureReason: g.failure_reason,
  };
}

export function toRequest(
  r: RequestRow,
  approvals: ApprovalRow[],
  grant: GrantRow | undefined,
  eligibleApprovers: EligibleApprover[],
): AccessRequestResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    groupId: r.group_id,
    accountId: r.account_id,
    requesterId: r.requester_id,
    durationMinutes: r.duration_minutes,
    justification: r.justification,
    status: r.status,
    approvals: approvals.map((a) => ({
      approverId: a.approver_id,
      decision: a.decision,
      step: a.step,
      ...(a.rule === null ? {} : { rule: a.rule }),
      comment: a.comment,
      at: a.at.toISOString(),
    })),
    approvalSteps: r.approval_steps,
    currentStep: r.current_step,
    eligibleApprovers: r.status === 'pending' ? eligibleApprovers : [],
    approverChanges: r.approver_changes,
    expiresAt: r.expires_at.toISOString(),
    startsAt: iso(r.starts_at),
    breakGlass: r.break_glass,
    grantId: r.grant_id,
    grant: grant
      ? {
          status: grant.status,
          startsAt: iso(grant.starts_at ?? grant.scheduled_for),
          endReason: grant.status === 'ended' ? grant.end_reason : null,
          expiresAt: iso(grant.expires_at),
        }
      : null,
    createdAt: r.created_at.toISOString(),
    decidedAt: iso(r.decided_at),
  };
}
