import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { CampaignNotifications } from './campaign-notifications';
import { CampaignsRepository } from './campaigns.repository';
import { CertificationsService } from './certifications.service';
import { EMPTY_PROGRESS } from './dto/campaign.mapper';
import { HeldRemovalsRepository } from './held-removals.repository';
import { ReviewItemsRepository } from './review-items.repository';
import { RevokeRemovalsService } from './revoke-removals.service';

const CLOSE_ACTOR = systemActor('campaign-close');

/** The `close` job of the `campaigns` queue: default decisions, remediation, then `closed`. */
@Injectable()
export class CampaignCloseService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly held: HeldRemovalsRepository,
    private readonly removals: RevokeRemovalsService,
    private readonly audit: AuditService,
    private readonly certifications: CertificationsService,
    private readonly access: AccessService,
    private readonly notices: CampaignNotifications,
  ) {}

  /**
   * Pending items take the default decision (`none`: expired). Revokes of administrator accounts are
   * manual, always. With autoRemediate the revokes over the caps (maxRevokeSharePerGroup,
   * maxRevokesPerClose) are held for a second admin and every other revoke becomes a provisioning
   * removal in this same transaction (ARCHITECTURE.md rule 2); without it their remediation is
   * `manual`. Operations and the `removals_held` notices are dispatched after commit.
   */
  async runClose(campaignId: string, requestedBy: string | null): Promise<void> {
    let operationIds: string[] = [];
    let notices: string[] = [];
    await this.dataSource.transaction(async (m) => {
      const c = await this.campaigns.getById(campaignId, m, true);
      if (c.status !== 'closing') return;
      const defaulted = await this.items.applyDefaultDecision(m, campaignId, c.default_decision);
      const adminManual = await this.held.setAdminRevokesManual(m, campaignId);
      let held = 0;
      let grantMemberships = 0;
      if (c.auto_remediate) {
        held = await this.held.holdOverCaps(m, c);
        ({ operationIds, grantMemberships } = await this.removals.enqueue(m, c));
      } else {
        await this.items.setRemediationManual(m, campaignId);
      }
      // Converted memberships: the person may now request the group just in time (API.md).
      const converted = await this.items.convertedItems(m, campaignId);
      const eligible = await this.access.addEligibleAccounts(
        m,
        CLOSE_ACTOR,
        converted.map((i) => ({ groupId: i.group_id, accountId: i.account_id, reviewItemId: i.id })),
      );
      // Kept memberships are certified for certificationValidDays from this close (API.md).
      const certified = await this.certifications.certifyKept(m, campaignId, c.certification_valid_days);
      await this.campaigns.markClosed(m, campaignId);
      const progress = (await this.campaigns.progressOf([campaignId], m)).get(campaignId) ?? EMPTY_PROGRESS;
      await this.audit.record(m, CLOSE_ACTOR, {
        action: 'campaign.closed',
        targetType: 'campaign',
        targetId: campaignId,
        data: {
          // The closer, kept on the campaign when the close was asked for (null: the system closed it).
          requestedBy: c.closed_by ?? requestedBy,
          defaulted,
          defaultDecision: c.default_decision,
          operations: operationIds.length,
          grantMemberships,
          certified,
          eligible,
          administratorsManual: adminManual,
          maxRevokeSharePerGroup: c.max_revoke_share_per_group,
          maxRevokesPerClose: c.max_revokes_per_close,
          ...progress,
        },
      });
      if (held > 0) notices = await this.notices.removalsHeld(m, c, held);
    });
    await this.removals.dispatch(operationIds);
    await this.notices.dispatch(notices);
  }
}
