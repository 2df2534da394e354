import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AccessService } from '../access/access.service';
import { AuthService } from '../auth/auth.service';
import { systemActor } from '../platform/actor';
import { CampaignsRepository } from './campaigns.repository';
import { type ReviewerStrategy } from './dto/campaign.dto';
import { type Assignment } from './launch-items.repository';

const LAUNCH_ACTOR = systemActor('campaign-launch');

/** What decides who reviews: a campaign row at launch, or a create body at preview. */
export interface AssignmentInput {
  connectionId: string;
  reviewerStrategy: ReviewerStrategy;
  reviewerIds: string[];
  fallbackReviewerIds: string[];
  scopeGroupIds: string[];
  scopeApplicationIds: string[];
  /** The administrators scope: alone (no groups or applications chosen) it takes no group. */
  scopeAdministrators?: boolean;
}

/** A reviewer a plan names, for people reading a preview. */
export interface PlannedReviewer {
  email: string;
  displayName: string | null;
  /** True when no principal has this email yet: a launch creates it (manager strategy). */
  toBeCreated: boolean;
}

/** The inputs of the launch statement (LaunchItemsRepository), and who each principal id is. */
export interface ReviewerPlan {
  /** Group ids in scope (the union of chosen groups and groups of chosen applications), or null for all. */
  scope: string[] | null;
  assignments: Assignment[];
  fallbacks: { id: string; email: string }[];
  reviewers: Map<string, PlannedReviewer>;
}

/**
 * Who reviews which memberships, worked out per manager or per group (never per item), the same for a
 * launch and a preview. A launch creates the principals of managers that have none; a preview
 * (`create: false`) creates nothing and stands in for each with a random id that it reports as
 * `toBeCreated`, so the launch statement it runs assigns exactly as the launch will.
 */
@Injectable()
export class ReviewerAssignmentService {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly auth: AuthService,
    private readonly access: AccessService,
  ) {}

  async plan(c: AssignmentInput, options: { create: boolean }): Promise<ReviewerPlan> {
    const scope = await this.scopeGroupIds(c);
    const reviewers = new Map<string, PlannedReviewer>();
    const assignments =
      c.reviewerStrategy === 'manager'
        ? await this.managerAssignments(c, scope, options.create, reviewers)
        : await this.groupAssignments(c, scope, reviewers);
    const fallbacks = await this.enabledPrincipals(c.fallbackReviewerIds, reviewers);
    const fallbackList = c.fallbackReviewerIds
      .filter((id) => fallbacks.has(id))
      .map((id) => ({ id, email: fallbacks.get(id) as string }));
    return { scope, assignments, fallbacks: fallbackList, reviewers };
  }

  private async scopeGroupIds(c: AssignmentInput): Promise<string[] | null> {
    if (c.scopeGroupIds.length === 0 && c.scopeApplicationIds.length === 0) {
      return c.scopeAdministrators ? [] : null;
    }
    const viaApps = await this.campaigns.groupIdsOfApplications(c.connectionId, c.scopeApplicationIds);
    return [...new Set([...c.scopeGroupIds, ...viaApps])];
  }

  /** The reviewer of each manager account: the principal with the manager's email. */
  private async managerAssignments(
    c: AssignmentInput,
    scope: string[] | null,
    create: boolean,
    reviewers: Map<string, PlannedReviewer>,
  ): Promise<Assignment[]> {
    const managers = await this.campaigns.managersInScope(c.connectionId, scope);
    const existing = new Map(
      (create ? [] : await this.auth.principalRowsByEmails(managers.map((m) => m.email))).map((p) => [
        p.email.toLowerCase(),
        p,
      ]),
    );
    const out: Assignment[] = [];
    // At launch, one round trip per manager (not per item): a principal is created for one who has none.
    for (const mgr of managers) {
      const p = create
        ? await this.auth.ensurePrincipalForEmail(LAUNCH_ACTOR, mgr.email, mgr.display_name)
        : existing.get(mgr.email.toLowerCase());
      if (!p) {
        const standIn = randomUUID();
        reviewers.set(standIn, { email: mgr.email, displayName: mgr.display_name, toBeCreated: true });
        out.push({ key: mgr.id, principalId: standIn, email: mgr.email });
        continue;
      }
      // A disabled principal reviews nothing: the fallback takes those items.
      if (p.disabled) continue;
      reviewers.set(p.id, { email: p.email, displayName: p.display_name, toBeCreated: false });
      out.push({ key: mgr.id, principalId: p.id, email: p.email });
    }
    return out;
  }

  /** The reviewer of each group: dealt in turn (`named`) or the policy's first owner (`group_owner`). */
  private async groupAssignments(
    c: AssignmentInput,
    scope: string[] | null,
    reviewers: Map<string, PlannedReviewer>,
  ): Promise<Assignment[]> {
    const groupIds = await this.campaigns.groupIdsInScope(c.connectionId, scope);
    const chosen: { key: string; principalId: string }[] = [];
    if (c.reviewerStrategy === 'named') {
      // Whole groups dealt to the reviewers in turn, in the order given.
      groupIds.forEach((groupId, i) =>
        chosen.push({ key: groupId, principalId: c.reviewerIds[i % c.reviewerIds.length] }),
      );
    } else {
      for (const groupId of groupIds) {
        const policy = await this.access.getPolicy(LAUNCH_ACTOR, groupId);
        if (policy.ownerIds.length > 0) chosen.push({ key: groupId, principalId: policy.ownerIds[0] });
      }
    }
    const emails = await this.enabledPrincipals(
      chosen.map((a) => a.principalId),
      reviewers,
    );
    return chosen
      .filter((a) => emails.has(a.principalId))
      .map((a) => ({ ...a, email: emails.get(a.principalId) as string }));
  }

  /** Emails of the enabled principals among these ids (reviewer lists are small), noted in `reviewers`. */
  private async enabledPrincipals(
    ids: string[],
    reviewers: Map<string, PlannedReviewer>,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const p of await this.auth.principalRowsByIds(ids)) {
      if (p.disabled) continue;
      out.set(p.id, p.email);
      reviewers.set(p.id, { email: p.email, displayName: p.display_name, toBeCreated: false });
    }
    return out;
  }
}
