import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type Actor } from '../platform/actor';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { type CampaignResponse } from './dto/campaign.dto';
import { type RemediationPreviewResponse, type RemediationWarning } from './dto/remediation-preview.dto';
import { approvalsRequired, releaseRefusal } from './held-release.policy';
import { HeldRemovalsRepository, type PreviewGroupRow } from './held-removals.repository';
import { RevokeRemovalsService } from './revoke-removals.service';

/** What a release did: 202 when an approval was recorded and another admin must still approve. */
export interface ReleaseOutcome {
  released: boolean;
  campaign: CampaignResponse;
}

const warning = (w: Partial<RemediationWarning> & Pick<RemediationWarning, 'code' | 'message'>) => ({
  groupId: null,
  groupName: null,
  accountId: null,
  accountEmail: null,
  applications: [],
  ...w,
});

/**
 * The safety rails of a close (API.md "Campaigns that run themselves"): the remediation preview, and
 * the release of the removals a close held over its caps, by admins other than the closer and the
 * bootstrap principal (HeldRemovalsRepository decides which are held).
 */
@Injectable()
export class HeldRemovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly campaignsService: CampaignsService,
    private readonly held: HeldRemovalsRepository,
    private readonly removals: RevokeRemovalsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * What a close would remove now (decided revokes, and pending items under a `revoke` default) per
   * group and what the caps would hold; once closed, what it removed and what it holds.
   */
  async preview(_actor: Actor, campaignId: string): Promise<RemediationPreviewResponse> {
    const c = await this.campaigns.getById(campaignId);
    const [groups, admins, approvals] = await Promise.all([
      this.held.previewGroups(c),
      this.held.adminRevokes(c),
      this.held.approvals(campaignId),
    ]);
    const total = groups.reduce((n, g) => n + g.removals, 0);
    const warnings: RemediationWarning[] = groups.flatMap((g) => this.groupWarnings(g));
    for (const a of admins) {
      warnings.push(
        warning({
          code: 'administrator_account',
          message: `Revoking the JumpCloud administrator ${a.account_email ?? a.account_id} (${a.admin_roles.join(', ') || 'no role'}) is manual: jumpgate never changes JumpCloud administrators`,
          accountId: a.account_id,
          accountEmail: a.account_email,
        }),
      );
    }
    if (!c.auto_remediate && total > 0) {
      warnings.push(
        warning({
          code: 'manual_remediation',
          message: `The campaign does not remediate automatically: its ${total} removals are left to be done by hand`,
        }),
      );
    }
    return {
      groups: groups.map((g) => ({
        groupId: g.group_id,
        name: g.name,
        memberCount: g.member_count,
        removals: g.removals,
        share: g.member_count > 0 ? g.removals / g.member_count : 1,
        held: g.held,
      })),
      total,
      wouldHold: groups.reduce((n, g) => n + g.held, 0),
      warnings,
      closedBy: c.status === 'closed' ? c.closed_by : null,
      release: {
        approvalsRequired: approvalsRequired(c),
        approvals: approvals.map((a) => ({
          principalId: a.principal_id,
          approvedAt: a.approved_at.toISOString(),
        })),
      },
    };
  }

  private groupWarnings(g: PreviewGroupRow): RemediationWarning[] {
    const out: RemediationWarning[] = [];
    const at = { groupId: g.group_id, groupName: g.name };
    if (g.applications.length > 0) {
      out.push(
        warning({
          ...at,
          code: 'group_bound_to_applications',
          message: `Removing ${g.removals} member(s) of ${g.name} takes away ${g.applications.map((a) => a.name).join(', ')}`,
          applications: g.applications,
        }),
      );
    }
    if (g.member_count > 0 && g.removals >= g.member_count) {
      out.push(
        warning({
          ...at,
          code: 'group_would_become_empty',
          message: `${g.name} would have no member left (${g.removals} of ${g.member_count} removed)`,
        }),
      );
    }
    for (const a of g.administrators) {
      out.push(
        warning({
          ...at,
          code: 'administrator_account',
          message: `${a.email ?? a.accountId}, removed from ${g.name}, is also a JumpCloud administrator`,
          accountId: a.accountId,
          accountEmail: a.email,
        }),
      );
    }
    return out;
  }

  /**
   * An admin approves the release of the held removals: never the closer nor the bootstrap. Once the
   * approvals required are in (one after a person's close, two after the system's), the held removals
   * become provisioning removals in the same transaction (dispatched after commit).
   */
  async release(actor: Actor, campaignId: string): Promise<ReleaseOutcome> {
    let operationIds: string[] = [];
    const released = await this.dataSource.transaction(async (m) => {
      // The campaign's row lock serialises two admins approving at once.
      const c = await this.campaigns.getById(campaignId, m, true);
      const heldNow = await this.held.countHeld(m, campaignId);
      const refused = releaseRefusal(actor, c, heldNow);
      if (refused) throw refused;
      const approvals = await this.held.approve(m, campaignId, actor.id);
      const required = approvalsRequired(c);
      const approvers = approvals.map((a) => a.principal_id);
      if (approvals.length < required) {
        await this.audit.record(m, actor, {
          action: 'campaign.held_release_approved',
          targetType: 'campaign',
          targetId: campaignId,
          data: { held: heldNow, approvals: approvers, approvalsRequired: required },
        });
        return false;
      }
      await this.held.unhold(m, campaignId);
      const enqueued = await this.removals.enqueue(m, c);
      operationIds = enqueued.operationIds;
      await this.audit.record(m, actor, {
        action: 'campaign.held_released',
        targetType: 'campaign',
        targetId: campaignId,
        data: {
          released: heldNow,
          operations: operationIds.length,
          grantMemberships: enqueued.grantMemberships,
          approvals: approvers,
          closedBy: c.closed_by,
        },
      });
      return true;
    });
    await this.removals.dispatch(operationIds);
    return { released, campaign: await this.campaignsService.get(actor, campaignId) };
  }
}
