import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthService } from '../auth/auth.service';
import { reminderAt, reminderSettings } from './campaign-reminder.policy';
import { type CampaignRow, type DatedCampaignRow } from './dto/campaign.mapper';
import { ReviewDigestsRepository } from './review-digests.repository';
import { type EscalationMove } from './review-escalations.repository';

/**
 * Campaigns' notifications (API.md): one digest per reviewer and campaign, never one message per
 * item, written in the transaction that makes the campaign active; the ids go to `dispatch` after it.
 */
@Injectable()
export class CampaignNotifications {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly digests: ReviewDigestsRepository,
    private readonly auth: AuthService,
  ) {}

  dispatch(ids: string[]): Promise<void> {
    return this.notifications.dispatch(ids);
  }

  /** One digest per reviewer with pending items: at launch, and for each reminder period. */
  private async digest(
    m: EntityManager,
    c: DatedCampaignRow,
    kind: 'campaign_assigned' | 'review_reminder' | 'review_overdue',
    period: string,
  ): Promise<string[]> {
    const reviewers = await this.digests.pendingByReviewer(m, c.id);
    const closesAt = new Date(c.due_at.getTime() + c.close_after_due_days * 86_400_000);
    return this.notifications.notify(m, {
      kind,
      recipients: reviewers.map((r) => ({
        id: r.id,
        data: { items: r.pending, pending: r.pending, preview: r.preview },
      })),
      subject: { type: 'campaign', id: c.id },
      period,
      data: {
        campaignId: c.id,
        campaignName: c.name,
        dueAt: c.due_at.toISOString(),
        closesAt: closesAt.toISOString(),
      },
      links: { ui: `/reviews?campaignId=${c.id}`, api: `/api/v1/reviews?campaignId=${c.id}` },
    });
  }

  /**
   * At launch: the digest, and the reminder already in force is counted as sent (the digest says the
   * same), so the tick does not repeat it at once.
   */
  async assigned(m: EntityManager, c: DatedCampaignRow): Promise<string[]> {
    await this.digests.setRemindedPeriod(
      m,
      c.id,
      reminderAt(reminderSettings(c), new Date())?.period ?? null,
    );
    return this.digest(m, c, 'campaign_assigned', '');
  }

  reminder(
    m: EntityManager,
    c: DatedCampaignRow,
    kind: 'review_reminder' | 'review_overdue',
    period: string,
  ): Promise<string[]> {
    return this.digest(m, c, kind, period);
  }

  /**
   * `removals_held` to the admins when a close held removals over its caps (API.md: the subject is the
   * campaign); the link opens the campaign page, where a second admin releases them.
   */
  removalsHeld(m: EntityManager, c: CampaignRow, count: number): Promise<string[]> {
    return this.notifications.notify(m, {
      kind: 'removals_held',
      recipients: { admins: true },
      subject: { type: 'campaign', id: c.id },
      period: '',
      data: {
        campaignId: c.id,
        campaignName: c.name,
        source: `the close of campaign "${c.name}"`,
        count,
        scope: `${count} memberships over the campaign's caps`,
      },
      links: { ui: `/admin/campaigns/${c.id}`, api: `/api/v1/campaigns/${c.id}/remediation-preview` },
    });
  }

  /** `review_escalated` to each old reviewer and each new one (API.md). */
  async escalated(m: EntityManager, c: DatedCampaignRow, moves: EscalationMove[]): Promise<string[]> {
    const ids: string[] = [];
    const emails = new Map(
      (await this.auth.principalRowsByIds(moves.flatMap((x) => [x.from_id, x.to_id]))).map((p) => [
        p.id,
        p.email,
      ]),
    );
    for (const x of moves) {
      ids.push(
        ...(await this.notifications.notify(m, {
          kind: 'review_escalated',
          recipients: [x.from_id, x.to_id],
          subject: { type: 'campaign', id: c.id },
          period: `escalation-${x.from_id}`,
          data: {
            campaignId: c.id,
            campaignName: c.name,
            dueAt: c.due_at.toISOString(),
            items: x.items,
            fromEmail: emails.get(x.from_id) ?? '',
            toEmail: emails.get(x.to_id) ?? '',
          },
          links: { ui: `/reviews?campaignId=${c.id}`, api: `/api/v1/reviews?campaignId=${c.id}` },
        })),
      );
    }
    return ids;
  }
}
