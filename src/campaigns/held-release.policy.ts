import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { type CampaignStatus } from './dto/campaign.dto';

/** What the release check needs of the campaign. */
export interface ReleaseSubject {
  status: CampaignStatus;
  /** Who asked for the close; null when the system closed it (dueAt, a template). */
  closed_by: string | null;
}

/**
 * How many distinct admins must approve a release (API.md): one when a person closed the campaign,
 * two when the system did, since then nobody has looked at what it held.
 */
export const approvalsRequired = (c: ReleaseSubject): 1 | 2 => (c.closed_by === null ? 2 : 1);

/**
 * Whether `actor` (an admin, by the route's guard) may approve the release of `held` removals: never
 * the bootstrap principal nor the one who closed it (403 `second_admin_required`); only a closed
 * campaign with something held (else 409).
 */
export function releaseRefusal(actor: Actor, c: ReleaseSubject, held: number): AppError | null {
  if (actor.type !== 'principal' || actor.isBootstrap) {
    return new AppError(
      'second_admin_required',
      'Held removals are released by a second admin; the bootstrap admin may not release them',
    );
  }
  if (c.status !== 'closed') {
    return new AppError(
      'invalid_state',
      `The campaign is ${c.status}; only a closed campaign holds removals`,
    );
  }
  if (held === 0) return new AppError('invalid_state', 'The campaign holds no removals');
  if (c.closed_by === actor.id) {
    return new AppError(
      'second_admin_required',
      'You closed this campaign: another admin must release the removals it held',
    );
  }
  return null;
}
