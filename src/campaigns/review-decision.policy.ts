import { isSamePerson, separationOfDutiesViolation } from '../auth/separation-of-duties';
import { type Actor, isAdmin } from '../platform/actor';
import { AppError, forbidden } from '../platform/http/app-error';
import { type CampaignKind, type CampaignStatus, type Decision, type ItemStatus } from './dto/campaign.dto';

/** What the policy needs to know of a review item (a locked row with its campaign's status). */
export interface ReviewItemSubject {
  reviewer_id: string | null;
  account_email: string | null;
  campaign_status?: CampaignStatus;
  campaign_kind?: CampaignKind;
  status?: ItemStatus;
}

/** Why an action on an item is refused: a rejection reason of the bulk route, or the error of a single one. */
export type ReviewCheck = { ok: true; override: boolean } | { ok: false; error: AppError; reason: string };

type ReviewAction = 'decide' | 'reassign';

const refuse = (reason: string, error: AppError): ReviewCheck => ({ ok: false, reason, error });

/**
 * The one permission check for deciding (single and bulk) and reassigning a review item: only the
 * assigned reviewer, or an admin as an override; never about one's own account (ARCHITECTURE.md rule
 * 4); only while the campaign is active. `override` is whether an admin acts on another's item.
 */
export function checkReviewItemAction(
  actor: Actor,
  item: ReviewItemSubject,
  action: ReviewAction,
): ReviewCheck {
  const mine = actor.type === 'principal' && item.reviewer_id === actor.id;
  if (!mine && !isAdmin(actor)) {
    return refuse('forbidden', forbidden(`Only the assigned reviewer or an admin may ${action} this item`));
  }
  const sod = separationOfDutiesViolation(actor, { accountEmails: [item.account_email] });
  if (sod) return refuse('separation_of_duties', new AppError('separation_of_duties', sod));
  if (item.campaign_status !== 'active') {
    const closed = action === 'decide' ? 'decisions are closed' : 'items cannot be reassigned';
    return refuse(
      'campaign_not_active',
      new AppError('invalid_state', `The campaign is ${item.campaign_status}; ${closed}`),
    );
  }
  // A standing campaign acts on a decision when it is made (a revoke goes to JumpCloud at once), so
  // there is no later close before which it could still change.
  if (action === 'decide' && item.campaign_kind === 'standing' && item.status !== 'pending') {
    return refuse(
      'decision_final',
      new AppError('invalid_state', "A standing campaign's decision is final: it was acted on when made"),
    );
  }
  return { ok: true, override: !mine };
}

/** checkReviewItemAction for a decision; revoke and convert_to_jit also need a justification. */
export function checkDecision(
  actor: Actor,
  item: ReviewItemSubject,
  decision: Decision,
  justification?: string,
): ReviewCheck {
  const check = checkReviewItemAction(actor, item, 'decide');
  if (check.ok && decision !== 'keep' && !justification?.trim()) {
    return refuse(
      'justification_required',
      new AppError('justification_required', `A justification is required to ${decision}`),
    );
  }
  return check;
}

/**
 * A decision from a Slack digest acts only on an item still pending: the message may be days old, and
 * a click must not overwrite what was decided since in the web app (which may still change it).
 */
export function notPendingError(item: { status: string; decision: string | null }): AppError | null {
  if (item.status === 'pending') return null;
  return new AppError(
    'invalid_state',
    item.status === 'decided'
      ? `This item was already decided (${item.decision}); change it in the web app`
      : `This item is ${item.status}; it can no longer be decided`,
  );
}

/** convert_to_jit leaves the person a way back only through a requestable group (API.md). */
export function checkConvertible(
  decision: Decision,
  groupId: string | null,
  requestable: ReadonlySet<string>,
): ReviewCheck | null {
  // An administrator account (no group) has nothing to request back: never convertible.
  if (decision !== 'convert_to_jit' || (groupId !== null && requestable.has(groupId))) return null;
  return refuse(
    'group_not_requestable',
    new AppError(
      'group_not_requestable',
      'convert_to_jit needs the group to have a requestable policy: the person could never request it back',
    ),
  );
}

/** The principal an item is handed to, as the policy needs it (null when there is no such principal). */
export interface ReassignTarget {
  email: string;
  disabled: boolean;
  is_bootstrap: boolean;
}

/** Whether `reviewer` may take the item: an enabled principal, not the bootstrap admin, not the member. */
export function reassignTargetError(
  reviewer: ReassignTarget | null,
  item: ReviewItemSubject,
): AppError | null {
  if (!reviewer || reviewer.disabled)
    return new AppError('validation_failed', 'reviewerId: no such principal');
  // It could never decide the item (assertNotBootstrap), so the item would wait forever.
  if (reviewer.is_bootstrap) {
    return new AppError('bootstrap_cannot_act', 'reviewerId: the bootstrap admin never reviews');
  }
  if (isSamePerson(reviewer.email, item.account_email)) {
    return new AppError('validation_failed', 'reviewerId: a reviewer may not review their own access');
  }
  return null;
}
