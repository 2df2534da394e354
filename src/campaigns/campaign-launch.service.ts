import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { systemActor } from '../platform/actor';
import { CampaignsRepository } from './campaigns.repository';
import { type CampaignRow } from './dto/campaign.mapper';
import { type Assignment, ReviewItemsRepository } from './review-items.repository';

const RECENT_JOIN_DAYS = 30;
// A launch adding at least this many items refreshes review_items' planner statistics at once.
const ANALYZE_AFTER_ITEMS = 1_000;

const LAUNCH_ACTOR = systemActor('campaign-launch');

/** The `launch` job of the `campaigns` queue: a launching campaign's snapshot, then `active`. */
@Injectable()
export class CampaignLaunchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly access: AccessService,
  ) {}

  /**
   * Snapshots every membership in scope into review items in one statement
   * (ReviewItemsRepository.insertLaunchItems), each with its reviewer, and makes the campaign active.
   */
  async runLaunch(campaignId: string, requestedBy: string | null): Promise<void> {
    const c = await this.campaigns.getById(campaignId);
    if (c.status !== 'launching') return;
    const scope = await this.scopeGroupIds(c);
    const assignments = await this.assignments(c, scope);
    const fallbacks = await this.principalEmails(c.fallback_reviewer_ids);
    const fallbackList = c.fallback_reviewer_ids
      .filter((id) => fallbacks.has(id))
      .map((id) => ({ id, email: fallbacks.get(id) as string }));
    await this.dataSource.transaction(async (m) => {
      const locked = await this.campaigns.getById(campaignId, m, true);
      if (locked.status !== 'launching') return;
      const inserted = await this.items.insertLaunchItems(m, {
        campaignId,
        connectionId: c.connection_id,
        reviewerStrategy: c.reviewer_strategy,
        scope,
        assignments,
        fallbacks: fallbackList,
        recentJoinDays: RECENT_JOIN_DAYS,
      });
      if (inserted >= ANALYZE_AFTER_ITEMS) await this.items.analyze(m);
      await this.campaigns.markActive(m, campaignId);
      const stats = await this.items.launchStats(m, campaignId);
      await this.audit.record(m, LAUNCH_ACTOR, {
        action: 'campaign.launched',
        targetType: 'campaign',
        targetId: campaignId,
        data: { requestedBy, items: inserted, ...stats },
      });
    });
  }

  /** Group ids in scope (the union of chosen groups and groups of chosen applications), or null for all. */
  private async scopeGroupIds(c: CampaignRow): Promise<string[] | null> {
    if (c.scope_group_ids.length === 0 && c.scope_application_ids.length === 0) return null;
    const viaApps = await this.campaigns.groupIdsOfApplications(c.connection_id, c.scope_application_ids);
    return [...new Set([...c.scope_group_ids, ...viaApps])];
  }

  /** The reviewer of each key: a manager account id (`manager`) or a group id (the other strategies). */
  private async assignments(c: CampaignRow, scope: string[] | null): Promise<Assignment[]> {
    if (c.reviewer_strategy === 'manager') {
      const managers = await this.campaigns.managersInScope(c.connection_id, scope);
      const out: Assignment[] = [];
      // One round trip per manager (not per item): a principal is created for a manager who has none.
      for (const mgr of managers) {
        const p = await this.auth.ensurePrincipalForEmail(LAUNCH_ACTOR, mgr.email, mgr.display_name);
        // A disabled principal reviews nothing: the fallback takes those items.
        if (!p.disabled) out.push({ key: mgr.id, principalId: p.id, email: p.email });
      }
      return out;
    }
    const groupIds = await this.campaigns.groupIdsInScope(c.connection_id, scope);
    const chosen: { key: string; principalId: string }[] = [];
    if (c.reviewer_strategy === 'named') {
      // Whole groups dealt to the reviewers in turn, in the order given.
      groupIds.forEach((groupId, i) =>
        chosen.push({ key: groupId, principalId: c.reviewer_ids[i % c.reviewer_ids.length] }),
      );
    } else {
      for (const groupId of groupIds) {
        const policy = await this.access.getPolicy(LAUNCH_ACTOR, groupId);
        if (policy.ownerIds.length > 0) chosen.push({ key: groupId, principalId: policy.ownerIds[0] });
      }
    }
    const emails = await this.principalEmails(chosen.map((a) => a.principalId));
    return chosen
      .filter((a) => emails.has(a.principalId))
      .map((a) => ({ ...a, email: emails.get(a.principalId) as string }));
  }

  /** Emails of enabled principals by id (reviewer lists are small). */
  private async principalEmails(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(ids)) {
      const p = await this.auth.getPrincipalRow(id);
      if (p && !p.disabled) out.set(id, p.email);
    }
    return out;
  }
}
