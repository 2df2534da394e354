import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { type CampaignRow } from './dto/campaign.mapper';
import { ReviewDigestsRepository } from './review-digests.repository';

/**
 * Campaigns' notifications (API.md): one digest per reviewer and campaign, never one message per
 * item, written in the transaction that makes the campaign active; the ids go to `dispatch` after it.
 */
@Injectable()
export class CampaignNotifications {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly digests: ReviewDigestsRepository,
  ) {}

  dispatch(ids: string[]): Promise<void> {
    return this.notifications.dispatch(ids);
  }

  async assigned(m: EntityManager, c: Pick<CampaignRow, 'id' | 'name' | 'due_at'>): Promise<string[]> {
    const reviewers = await this.digests.pendingByReviewer(m, c.id);
    return this.notifications.notify(m, {
      kind: 'campaign_assigned',
      recipients: reviewers.map((r) => ({ id: r.id, data: { items: r.pending, preview: r.preview } })),
      subject: { type: 'campaign', id: c.id },
      data: { campaignId: c.id, campaignName: c.name, dueAt: c.due_at.toISOString() },
      links: { ui: `/reviews?campaignId=${c.id}`, api: `/api/v1/reviews?campaignId=${c.id}` },
    });
  }
}
