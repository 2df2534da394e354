import type { components } from '../../api/schema';

type CreateCampaignBody = components['schemas']['CreateCampaignDto'];

/**
 * The campaign fields the campaign create form and the template form share (a template stores a
 * campaign body): scope, reviewers, what happens at close, and the close's safety caps. Plain strings,
 * as Mantine's inputs give them.
 */
export interface CampaignFields {
  groupIds: string[];
  /** Also review every JumpCloud administrator account (alone when no group is chosen). */
  administrators: boolean;
  reviewerStrategy: CreateCampaignBody['reviewerStrategy'];
  reviewerIds: string[];
  fallbackReviewerId: string;
  defaultDecision: CreateCampaignBody['defaultDecision'];
  autoRemediate: boolean;
  /** The largest share of one group a close removes, in percent (API.md maxRevokeSharePerGroup × 100). */
  maxRevokePercentPerGroup: string;
  /** The most removals one close applies (API.md maxRevokesPerClose). */
  maxRevokesPerClose: string;
  /** Days without a sign-in seen by JumpCloud that make the inactivity recommendation (API.md inactiveDays). */
  inactiveDays: string;
}

export function emptyCampaignFields(): CampaignFields {
  return {
    groupIds: [],
    administrators: false,
    reviewerStrategy: 'manager',
    reviewerIds: [],
    fallbackReviewerId: '',
    defaultDecision: 'none',
    autoRemediate: false,
    // The server's defaults (0.5 and 500), shown so an admin sees what a close may remove.
    maxRevokePercentPerGroup: '50',
    maxRevokesPerClose: '500',
    // The server's default.
    inactiveDays: '60',
  };
}

/** The shared fields of a campaign (or a template's campaign) the server answered with. */
export function campaignFieldsOf(c: {
  scope: { groupIds: string[]; administrators: boolean };
  reviewerStrategy: CampaignFields['reviewerStrategy'];
  reviewerIds: string[];
  fallbackReviewerIds: string[];
  defaultDecision: CampaignFields['defaultDecision'];
  autoRemediate: boolean;
  maxRevokeSharePerGroup: number;
  maxRevokesPerClose: number;
  inactiveDays: number;
}): CampaignFields {
  return {
    groupIds: c.scope.groupIds,
    administrators: c.scope.administrators,
    reviewerStrategy: c.reviewerStrategy,
    reviewerIds: c.reviewerIds,
    fallbackReviewerId: c.fallbackReviewerIds[0] ?? '',
    defaultDecision: c.defaultDecision,
    autoRemediate: c.autoRemediate,
    // Rounded so 0.29 shows as 29, not 28.999999999999996.
    maxRevokePercentPerGroup: String(Math.round(c.maxRevokeSharePerGroup * 10_000) / 100),
    maxRevokesPerClose: String(c.maxRevokesPerClose),
    inactiveDays: String(c.inactiveDays),
  };
}

const isNumber = (s: string) => /^\d*\.?\d+$/.test(s.trim());

/** What the shared fields still lack, in words. */
export function campaignFieldProblems(f: CampaignFields): string[] {
  const problems: string[] = [];
  if (!f.fallbackReviewerId) problems.push('Choose a fallback reviewer.');
  if (f.reviewerStrategy === 'named' && f.reviewerIds.length === 0)
    problems.push('Choose at least one named reviewer.');
  if (!isNumber(f.maxRevokePercentPerGroup) || Number(f.maxRevokePercentPerGroup) > 100)
    problems.push('The share of a group one close may remove is between 0 and 100 %.');
  if (!/^\d+$/.test(f.maxRevokesPerClose.trim()))
    problems.push('The removals one close may apply is a whole number, 0 or more.');
  if (!/^\d+$/.test(f.inactiveDays.trim()) || Number(f.inactiveDays) < 1 || Number(f.inactiveDays) > 3650)
    problems.push('The days without a sign-in are a whole number from 1 to 3650.');
  return problems;
}

/** The shared part of `POST /campaigns` and of a template's body. */
export function toCampaignFieldsBody(
  f: CampaignFields,
): Pick<
  CreateCampaignBody,
  | 'scope'
  | 'reviewerStrategy'
  | 'reviewerIds'
  | 'fallbackReviewerIds'
  | 'defaultDecision'
  | 'autoRemediate'
  | 'maxRevokeSharePerGroup'
  | 'maxRevokesPerClose'
  | 'inactiveDays'
> {
  return {
    // An empty scope means every group (API.md), which the form says next to the field; with
    // `administrators` alone, only the administrators are reviewed.
    scope: { groupIds: f.groupIds, ...(f.administrators ? { administrators: true } : {}) },
    reviewerStrategy: f.reviewerStrategy,
    // Named reviewers only for the named strategy (the server refuses them otherwise).
    reviewerIds: f.reviewerStrategy === 'named' ? f.reviewerIds : [],
    fallbackReviewerIds: [f.fallbackReviewerId],
    defaultDecision: f.defaultDecision,
    autoRemediate: f.autoRemediate,
    maxRevokeSharePerGroup: Math.round(Number(f.maxRevokePercentPerGroup) * 100) / 10_000,
    maxRevokesPerClose: Number(f.maxRevokesPerClose),
    inactiveDays: Number(f.inactiveDays),
  };
}
