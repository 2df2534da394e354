import { type OutOfBandAdds } from '../drift.policy';
import { type ApprovalStep, type ApproverChange } from '../approval-steps.policy';
import { type AutoApproveRule } from '../auto-approve.policy';
import { type GrantEndReason, type GrantStatus, type RequestStatus } from './access.dto';

/** Rows of the access tables as Postgres returns them (`ck`: the keyset cursor key of a listing). */

export interface PolicyRow {
  group_id: string;
  connection_id: string;
  owner_ids: string[];
  requestable: boolean;
  max_duration_minutes: number;
  default_duration_minutes: number | null;
  approver_ids: string[] | null;
  approvals_required: number;
  require_justification: boolean;
  auto_approve: boolean;
  eligible_group_ids: string[] | null;
  warn_before_expiry_minutes: number;
  /** NULL: one approvers step of approvals_required. */
  approval_steps: ApprovalStep[] | null;
  auto_approve_rules: AutoApproveRule[] | null;
  request_ttl_hours: number;
  /** NULL: no break-glass. */
  break_glass: { enabled: boolean; maxDurationMinutes: number } | null;
  eligible_account_ids: string[];
  out_of_band_adds: OutOfBandAdds;
  created_at: Date;
  updated_at: Date;
  ck?: string;
}

export interface RequestRow {
  id: string;
  connection_id: string;
  group_id: string;
  account_id: string;
  requester_id: string;
  duration_minutes: number;
  justification: string | null;
  status: RequestStatus;
  grant_id: string | null;
  /** The policy's steps when the request was made. */
  approval_steps: ApprovalStep[];
  current_step: number;
  approver_changes: ApproverChange[];
  expires_at: Date;
  /** A scheduled start asked for (null: as soon as approved). */
  starts_at: Date | null;
  break_glass: boolean;
  created_at: Date;
  decided_at: Date | null;
  ck?: string;
}

export interface ApprovalRow {
  request_id: string;
  /** NULL: a skipped step or an auto-approve rule. */
  approver_id: string | null;
  decision: 'approve' | 'deny' | 'skipped';
  step: number | null;
  rule: number | null;
  comment: string | null;
  at: Date;
}

/** Who may act on a step of a request (`removed_reason`: skipped because they left). */
export interface RequestApproverRow {
  request_id: string;
  step: number;
  principal_id: string;
  source: 'policy' | 'manager' | 'owner' | 'admin';
  removed_reason: string | null;
}

export interface GrantRow {
  id: string;
  request_id: string;
  connection_id: string;
  account_id: string;
  group_id: string;
  duration_minutes: number;
  status: GrantStatus;
  starts_at: Date | null;
  /** The scheduled start of a `scheduled` grant (starts_at is when JumpCloud confirmed the membership). */
  scheduled_for: Date | null;
  expires_at: Date | null;
  ended_at: Date | null;
  end_reason: GrantEndReason | null;
  failure_reason: string | null;
  warned_expires_at: Date | null;
  created_at: Date;
  ck?: string;
}

/** Grant statuses in which jumpgate's membership may exist or is about to: one per account and group. */
export const LIVE_GRANT_STATUSES = ['scheduled', 'provisioning', 'active', 'revoking'];
