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
  created_at: Date;
  decided_at: Date | null;
  ck?: string;
}

export interface ApprovalRow {
  request_id: string;
  approver_id: string;
  decision: 'approve' | 'deny';
  comment: string | null;
  at: Date;
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
  expires_at: Date | null;
  ended_at: Date | null;
  end_reason: GrantEndReason | null;
  failure_reason: string | null;
  warned_expires_at: Date | null;
  created_at: Date;
  ck?: string;
}

/** Grant statuses in which jumpgate's membership may exist or is about to: one per account and group. */
export const LIVE_GRANT_STATUSES = ['provisioning', 'active', 'revoking'];
