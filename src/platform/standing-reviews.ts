import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

/**
 * Why a membership goes to a standing campaign (API.md "Campaigns that run themselves"): each
 * purpose is one standing campaign per connection, named as STANDING_CAMPAIGN_NAMES says.
 */
export const STANDING_PURPOSES = ['break_glass', 'drift'] as const;
export type StandingPurpose = (typeof STANDING_PURPOSES)[number];

export const STANDING_CAMPAIGN_NAMES: Record<StandingPurpose, string> = {
  break_glass: 'Break-glass reviews',
  drift: 'Drift reviews',
};

/** "Review this membership for purpose X": what access (break-glass) and directory (drift) hand over. */
export interface StandingReviewRequest {
  purpose: StandingPurpose;
  connectionId: string;
  accountId: string;
  groupId: string;
  /** Why it needs a review, in words the reviewer reads (the item's recommendation reason). */
  reason: string;
  /** The grant behind the membership (break-glass), so a revoke also ends that grant; else null. */
  grantId?: string | null;
  /**
   * Names the event, unique per purpose and connection (`<requestId>` for a break-glass use,
   * `<runId>.<accountId>.<groupId>` for drift): handing the same key over again (a retried job, a
   * replayed event) makes no second item.
   */
  key: string;
}

/** One review item per request, in order: its id, or null when the account or group no longer exists. */
export type StandingReviewHandler = (
  m: EntityManager,
  requests: StandingReviewRequest[],
) => Promise<(string | null)[]>;

/**
 * The port between the domains that find something to review after the fact and the one that
 * reviews it (ARCHITECTURE.md "Modules"): access and directory call `request` inside their own
 * transaction and import nothing of campaigns; campaigns registers the handler at module init and
 * creates the items in that same transaction, so an event and its review commit or roll back together.
 */
@Injectable()
export class StandingReviews {
  private handler: StandingReviewHandler | null = null;

  /** Campaigns registers itself (once per process). */
  register(handler: StandingReviewHandler): void {
    this.handler = handler;
  }

  /** Hands memberships over for review, inside the caller's transaction; returns the items' ids. */
  async request(m: EntityManager, requests: StandingReviewRequest[]): Promise<(string | null)[]> {
    if (!m.queryRunner?.isTransactionActive) {
      throw new Error('StandingReviews.request must run inside the transaction of the event it reviews');
    }
    // Every process loads CampaignsModule, so a missing handler is a wiring bug: fail the caller's
    // transaction rather than lose the review.
    if (!this.handler) throw new Error('No standing-review handler is registered (CampaignsModule)');
    if (requests.length === 0) return [];
    return this.handler(m, requests);
  }
}
