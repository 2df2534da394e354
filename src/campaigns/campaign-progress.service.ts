import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import { type Actor } from '../platform/actor';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { type CreateCampaignDto } from './dto/campaign.dto';
import {
  type CampaignPreviewResponse,
  type CampaignProgressListResponse,
  type ProgressBy,
  type ReviewsSummaryResponse,
} from './dto/campaign-progress.dto';
import { AdminReviewItemsRepository } from './admin-review-items.repository';
import { LaunchItemsRepository } from './launch-items.repository';
import { ReviewerAssignmentService } from './reviewer-assignment.service';

/**
 * How far a campaign has got, and what one would be: progress per reviewer or group (admins and
 * auditors), a reviewer's own progress per campaign, and the preview of a launch (admins).
 */
@Injectable()
export class CampaignProgressService {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly campaignsService: CampaignsService,
    private readonly launchItems: LaunchItemsRepository,
    private readonly adminItems: AdminReviewItemsRepository,
    private readonly assignment: ReviewerAssignmentService,
    private readonly auth: AuthService,
  ) {}

  async progress(_actor: Actor, campaignId: string, by: ProgressBy): Promise<CampaignProgressListResponse> {
    await this.campaigns.getById(campaignId);
    const rows = await this.campaigns.progressBy(campaignId, by);
    if (by === 'reviewer') {
      const names = new Map(
        (await this.auth.principalRowsByIds(rows.flatMap((r) => (r.id ? [r.id] : [])))).map((p) => [
          p.id,
          p.display_name ?? p.email,
        ]),
      );
      for (const r of rows) r.name = r.id ? (names.get(r.id) ?? null) : null;
      // By name like the groups; the items nobody may take (no reviewer) last.
      rows.sort((a, b) =>
        a.name === null || b.name === null
          ? Number(a.name === null) - Number(b.name === null)
          : a.name.localeCompare(b.name) || (a.id ?? '').localeCompare(b.id ?? ''),
      );
    }
    return {
      items: rows.map(({ id, name, ...counts }) => ({ key: { id, name }, ...counts })),
    };
  }

  /** The caller's own items counted per campaign: reviewers may not read campaigns themselves. */
  async reviewsSummary(actor: Actor): Promise<ReviewsSummaryResponse> {
    if (actor.type !== 'principal') return { items: [] };
    return { items: await this.campaigns.reviewSummary(actor.id) };
  }

  /**
   * What launching this body would make, creating nothing: the same checks as create, the same
   * reviewer plan as the launch (principals a launch would create stand in with ids of their own) and
   * the launch's own statement, counted instead of inserted.
   */
  async preview(_actor: Actor, dto: CreateCampaignDto): Promise<CampaignPreviewResponse> {
    const body = await this.campaignsService.checkBody(dto);
    const plan = await this.assignment.plan(
      {
        connectionId: dto.connectionId,
        reviewerStrategy: dto.reviewerStrategy,
        reviewerIds: body.reviewerIds,
        fallbackReviewerIds: body.fallbackIds,
        scopeGroupIds: body.groupIds,
        scopeApplicationIds: body.applicationIds,
        scopeAdministrators: dto.scope.administrators ?? false,
      },
      { create: false },
    );
    const counts = await this.launchItems.previewCounts(
      {
        connectionId: dto.connectionId,
        reviewerStrategy: dto.reviewerStrategy,
        scope: plan.scope,
        assignments: plan.assignments,
        fallbacks: plan.fallbacks,
      },
      dto.mode ?? 'full',
    );
    if (dto.scope.administrators) {
      // Administrator items go to the fallback reviewers (AdminReviewItemsRepository).
      for (const a of await this.adminItems.previewCounts(dto.connectionId, plan.fallbacks)) {
        counts.items += a.items;
        if (a.reviewer_id === null) {
          counts.unassignedItems += a.items;
          continue;
        }
        counts.fallbackItems += a.items;
        const entry = counts.byReviewer.find((r) => r.reviewerId === a.reviewer_id);
        if (entry) entry.items += a.items;
        else counts.byReviewer.push({ reviewerId: a.reviewer_id, items: a.items });
      }
    }
    const reviewers = counts.byReviewer.map(({ reviewerId, items }) => {
      const r = plan.reviewers.get(reviewerId);
      if (!r) throw new Error(`preview: reviewer ${reviewerId} is not in the plan`);
      return { id: r.toBeCreated ? null : reviewerId, displayName: r.displayName, email: r.email, items };
    });
    reviewers.sort((a, b) => b.items - a.items || a.email.localeCompare(b.email));
    return {
      items: counts.items,
      groups: counts.groups,
      reviewers,
      fallbackItems: counts.fallbackItems,
      unassignedItems: counts.unassignedItems,
      ...(counts.carried === null ? {} : { carried: counts.carried }),
    };
  }
}
