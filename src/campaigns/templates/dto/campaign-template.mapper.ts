import {
  type CreateCampaignDto,
  DEFAULT_CERTIFICATION_VALID_DAYS,
  DEFAULT_INACTIVE_DAYS,
  DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
  DEFAULT_MAX_REVOKES_PER_CLOSE,
} from '../../dto/campaign.dto';
import { duePeriod, periodAt } from '../template-period.policy';
import { type CampaignTemplateResponse, type TemplateMode } from './campaign-template.dto';

/**
 * What a template stores of each period's campaign: the body of `POST /campaigns` without the
 * connection, the name and dueAt, with its defaults filled in (so the response shows them).
 */
export type TemplateCampaignBody = Omit<
  CreateCampaignDto,
  | 'connectionId'
  | 'name'
  | 'dueAt'
  | 'description'
  | 'reviewerIds'
  | 'reminders'
  | 'closeAfterDueDays'
  | 'escalateAfterDays'
  | 'maxSyncAgeHours'
  | 'maxRevokeSharePerGroup'
  | 'maxRevokesPerClose'
  | 'inactiveDays'
> & {
  description: string | null;
  reviewerIds: string[];
  reminders: { daysBeforeDue: number[]; overdueEveryDays: number };
  closeAfterDueDays: number;
  escalateAfterDays: number;
  maxSyncAgeHours: number;
  // Optional: templates stored before the caps existed take the campaigns' defaults at launch.
  maxRevokeSharePerGroup?: number;
  maxRevokesPerClose?: number;
  // Optional likewise: templates stored before it take the default, at launch and in reads.
  inactiveDays?: number;
};

export interface TemplateRow {
  id: string;
  connection_id: string;
  name: string;
  campaign: TemplateCampaignBody;
  every_months: number;
  day_of_month: number;
  duration_days: number;
  mode: TemplateMode;
  launch_from: Date;
  sync_requested_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  ck?: string;
}

export const scheduleOf = (t: Pick<TemplateRow, 'every_months' | 'day_of_month'>) => ({
  everyMonths: t.every_months,
  dayOfMonth: t.day_of_month,
});

/** `launched`: whether the period due now already has its campaign. */
export function toTemplateResponse(t: TemplateRow, launched: boolean, now: Date): CampaignTemplateResponse {
  const schedule = scheduleOf(t);
  const current = periodAt(schedule, t.created_at, now);
  const due = duePeriod(schedule, t.created_at, t.launch_from, now);
  const c = t.campaign;
  return {
    id: t.id,
    connectionId: t.connection_id,
    name: t.name,
    description: c.description,
    scope: {
      groupIds: c.scope.groupIds ?? [],
      applicationIds: c.scope.applicationIds ?? [],
      administrators: c.scope.administrators ?? false,
    },
    reviewerStrategy: c.reviewerStrategy,
    reviewerIds: c.reviewerIds,
    fallbackReviewerIds: c.fallbackReviewerIds,
    defaultDecision: c.defaultDecision,
    autoRemediate: c.autoRemediate,
    reminders: c.reminders,
    closeAfterDueDays: c.closeAfterDueDays,
    escalateAfterDays: c.escalateAfterDays,
    maxSyncAgeHours: c.maxSyncAgeHours,
    maxRevokeSharePerGroup: c.maxRevokeSharePerGroup ?? DEFAULT_MAX_REVOKE_SHARE_PER_GROUP,
    maxRevokesPerClose: c.maxRevokesPerClose ?? DEFAULT_MAX_REVOKES_PER_CLOSE,
    schedule,
    durationDays: t.duration_days,
    mode: t.mode,
    certificationValidDays: c.certificationValidDays ?? DEFAULT_CERTIFICATION_VALID_DAYS,
    inactiveDays: c.inactiveDays ?? DEFAULT_INACTIVE_DAYS,
    currentPeriod: {
      key: current.key,
      startsAt: current.start.toISOString(),
      endsAt: current.end.toISOString(),
    },
    nextLaunchAt: (due && !launched ? due.start : current.end).toISOString(),
    createdBy: t.created_by,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
  };
}
