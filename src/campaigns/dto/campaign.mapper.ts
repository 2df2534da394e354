import { iso } from '../../platform/database/sql';
import { type StandingPurpose } from '../../platform/standing-reviews';
import {
  type CampaignKind,
  type CampaignMode,
  type CampaignProgress,
  type CampaignResponse,
  type CampaignStatus,
  type Decision,
  type DefaultDecision,
  type ItemStatus,
  type Remediation,
  type ReviewerStrategy,
  type ReviewItemResponse,
} from './campaign.dto';

/** Rows of `campaigns` and `review_items` as the repositories read them, and their response mappers. */
export interface CampaignRow {
  id: string;
  connection_id: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  scope_group_ids: string[];
  scope_application_ids: string[];
  reviewer_strategy: ReviewerStrategy;
  reviewer_ids: string[];
  fallback_reviewer_ids: string[];
  /** Null for a standing campaign (never due). */
  due_at: Date | null;
  default_decision: DefaultDecision;
  auto_remediate: boolean;
  created_by: string | null;
  created_at: Date;
  launched_at: Date | null;
  closed_at: Date | null;
  kind: CampaignKind;
  purpose: StandingPurpose | null;
  reminder_days_before_due: number[];
  overdue_every_days: number;
  close_after_due_days: number;
  escalate_after_days: number;
  reminded_period: string | null;
  escalated_at: Date | null;
  max_sync_age_hours: number;
  template_id: string | null;
  period: string | null;
  mode: CampaignMode;
  certification_valid_days: number;
  max_revoke_share_per_group: number;
  max_revokes_per_close: number;
  inactive_days: number;
  scope_administrators: boolean;
  closed_by: string | null;
  ck?: string;
}

/** A regular campaign: it has a due date (only a standing one has none). */
export type DatedCampaignRow = CampaignRow & { due_at: Date };

export function isDated(c: CampaignRow): c is DatedCampaignRow {
  return c.due_at !== null;
}

export interface ItemRow {
  id: string;
  campaign_id: string;
  connection_id: string;
  account_id: string;
  group_id: string | null;
  account_email: string | null;
  account_display_name: string | null;
  account_kind: string;
  account_state: string;
  department: string | null;
  job_title: string | null;
  manager_account_id: string | null;
  manager_display_name: string | null;
  is_administrator: boolean;
  group_name: string | null;
  membership_method: string | null;
  admin_roles: string[] | null;
  applications: { id: string; name: string }[];
  membership_since: Date;
  grant_id: string | null;
  reviewer_id: string | null;
  status: ItemStatus;
  decision: Decision | null;
  justification: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  override: boolean;
  remediation: Remediation;
  operation_id: string | null;
  removal_applied_at: Date | null;
  remediated_at: Date | null;
  remediation_note: string | null;
  recommendation: 'keep' | 'revoke' | 'review' | null;
  recommendation_reason: string | null;
  certified_until: Date | null;
  mfa_configured: boolean | null;
  created_at: Date;
  ck?: string;
  campaign_status?: CampaignStatus;
  campaign_kind?: CampaignKind;
  /** Live sign-in activity (ITEM_ACTIVITY_COLUMNS in review-items.repository.ts), where a read joins it. */
  account_last_sign_in_at?: Date | null;
  /** application id → its last sign-in (timestamptz as JSON text). */
  application_sign_ins?: Record<string, string> | null;
}

/** An item with its campaign's name and due date (joined), as every item response carries them. */
export type ItemResponseRow = ItemRow & { campaign_name: string; campaign_due_at: Date | null };

export const EMPTY_PROGRESS: CampaignProgress = {
  total: 0,
  pending: 0,
  kept: 0,
  revoked: 0,
  converted: 0,
  carried: 0,
  expired: 0,
  held: 0,
  remediated: 0,
  remediationFailed: 0,
  manual: 0,
};

export function toCampaignResponse(c: CampaignRow, progress: CampaignProgress): CampaignResponse {
  return {
    id: c.id,
    connectionId: c.connection_id,
    name: c.name,
    description: c.description,
    status: c.status,
    scope: {
      groupIds: c.scope_group_ids,
      applicationIds: c.scope_application_ids,
      administrators: c.scope_administrators,
    },
    reviewerStrategy: c.reviewer_strategy,
    reviewerIds: c.reviewer_ids,
    fallbackReviewerIds: c.fallback_reviewer_ids,
    dueAt: iso(c.due_at),
    defaultDecision: c.default_decision,
    autoRemediate: c.auto_remediate,
    kind: c.kind,
    purpose: c.purpose,
    createdBy: c.created_by,
    createdAt: c.created_at.toISOString(),
    launchedAt: iso(c.launched_at),
    closedAt: iso(c.closed_at),
    reminders: { daysBeforeDue: c.reminder_days_before_due, overdueEveryDays: c.overdue_every_days },
    closeAfterDueDays: c.close_after_due_days,
    escalateAfterDays: c.escalate_after_days,
    maxSyncAgeHours: c.max_sync_age_hours,
    templateId: c.template_id,
    period: c.period,
    mode: c.mode,
    certificationValidDays: c.certification_valid_days,
    maxRevokeSharePerGroup: c.max_revoke_share_per_group,
    maxRevokesPerClose: c.max_revokes_per_close,
    inactiveDays: c.inactive_days,
    closedBy: c.closed_by,
    progress,
  };
}

export function toReviewItemResponse(i: ItemResponseRow): ReviewItemResponse {
  return {
    id: i.id,
    campaignId: i.campaign_id,
    campaign: { id: i.campaign_id, name: i.campaign_name, dueAt: iso(i.campaign_due_at) },
    account: {
      id: i.account_id,
      email: i.account_email,
      displayName: i.account_display_name,
      kind: i.account_kind,
      state: i.account_state,
      department: i.department,
      jobTitle: i.job_title,
      manager: i.manager_account_id
        ? { id: i.manager_account_id, displayName: i.manager_display_name }
        : null,
      isAdministrator: i.is_administrator,
      mfaConfigured: i.mfa_configured,
      adminRoles: i.admin_roles ?? [],
      lastSignInAt: iso(i.account_last_sign_in_at ?? null),
    },
    // An administrators-scope item is about the account alone (API.md: `group: null`).
    group:
      i.group_id === null
        ? null
        : {
            id: i.group_id,
            name: i.group_name ?? '',
            membershipMethod: i.membership_method ?? '',
            applications: i.applications.map((a) => {
              const at = i.application_sign_ins?.[a.id];
              return {
                id: a.id,
                name: a.name,
                lastSignInAt: at === undefined ? null : new Date(at).toISOString(),
              };
            }),
          },
    membershipSince: i.membership_since.toISOString(),
    grantId: i.grant_id,
    reviewerId: i.reviewer_id,
    status: i.status,
    decision: i.decision,
    justification: i.justification,
    decidedBy: i.decided_by,
    decidedAt: iso(i.decided_at),
    override: i.override,
    remediation: i.remediation,
    remediatedAt: iso(i.remediated_at),
    remediationNote: i.remediation_note,
    recommendation:
      i.recommendation && i.recommendation_reason
        ? { value: i.recommendation, reason: i.recommendation_reason }
        : null,
    certifiedUntil: iso(i.certified_until),
    createdAt: i.created_at.toISOString(),
  };
}

/** The columns of review_items the report reads, as the report needs them. */
export interface ReportRow {
  id: string;
  ck: string;
  account_email: string | null;
  account_display_name: string | null;
  group_name: string | null;
  applications: { id: string; name: string }[];
  reviewer_id: string | null;
  status: string;
  decision: string | null;
  justification: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  override: boolean;
  remediation: string;
  remediated_at: Date | null;
  certified_until: Date | null;
}
