import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { CampaignNotifications } from './campaign-notifications';
import { isDated } from './dto/campaign.mapper';
import { CampaignsRepository } from './campaigns.repository';
import { AdminReviewItemsRepository } from './admin-review-items.repository';
import { LaunchItemsRepository } from './launch-items.repository';
import { ReviewerAssignmentService } from './reviewer-assignment.service';

// A launch adding at least this many items refreshes review_items' planner statistics at once.
const ANALYZE_AFTER_ITEMS = 1_000;

const LAUNCH_ACTOR = systemActor('campaign-launch');

/** The `launch` job of the `campaigns` queue: a launching campaign's snapshot, then `active`. */
@Injectable()
export class CampaignLaunchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly items: LaunchItemsRepository,
    private readonly adminItems: AdminReviewItemsRepository,
    private readonly assignment: ReviewerAssignmentService,
    private readonly audit: AuditService,
    private readonly notices: CampaignNotifications,
  ) {}

  /**
   * Snapshots every membership in scope into review items in one statement
   * (LaunchItemsRepository.insertLaunchItems), each with its reviewer (ReviewerAssignmentService), and makes the campaign active.
   */
  async runLaunch(campaignId: string, requestedBy: string | null): Promise<void> {
    const c = await this.campaigns.getById(campaignId);
    // A standing campaign is active from its creation and has no launch.
    if (c.status !== 'launching' || !isDated(c)) return;
    const plan = await this.assignment.plan(
      {
        connectionId: c.connection_id,
        reviewerStrategy: c.reviewer_strategy,
        reviewerIds: c.reviewer_ids,
        fallbackReviewerIds: c.fallback_reviewer_ids,
        scopeGroupIds: c.scope_group_ids,
        scopeApplicationIds: c.scope_application_ids,
        scopeAdministrators: c.scope_administrators,
      },
      { create: true },
    );
    const notices = await this.dataSource.transaction(async (m) => {
      const locked = await this.campaigns.getById(campaignId, m, true);
      if (locked.status !== 'launching') return [];
      // Delta: the memberships in scope still certified are carried, not reviewed (API.md).
      const { items: inserted, carried } = await this.items.insertLaunchItems(m, {
        campaignId,
        connectionId: c.connection_id,
        reviewerStrategy: c.reviewer_strategy,
        scope: plan.scope,
        assignments: plan.assignments,
        fallbacks: plan.fallbacks,
        mode: c.mode,
      });
      const administrators = c.scope_administrators
        ? await this.adminItems.insertAdminItems(m, {
            campaignId,
            connectionId: c.connection_id,
            fallbacks: plan.fallbacks,
          })
        : 0;
      if (inserted >= ANALYZE_AFTER_ITEMS) await this.items.analyze(m);
      await this.campaigns.markActive(m, campaignId);
      const stats = await this.items.launchStats(m, campaignId);
      await this.audit.record(m, LAUNCH_ACTOR, {
        action: 'campaign.launched',
        targetType: 'campaign',
        targetId: campaignId,
        data: {
          requestedBy,
          items: inserted + administrators,
          administrators,
          mode: c.mode,
          carried,
          ...stats,
        },
      });
      return this.notices.assigned(m, { ...locked, due_at: c.due_at });
    });
    await this.notices.dispatch(notices);
  }
}
