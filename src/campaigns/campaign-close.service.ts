import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import { CampaignsRepository } from './campaigns.repository';
import { CertificationsService } from './certifications.service';
import { EMPTY_PROGRESS } from './dto/campaign.mapper';
import { ReviewItemsRepository } from './review-items.repository';

// Revokes turned into provisioning operations per statement, well under 65,535 bind parameters.
const REMEDIATION_BATCH = 5_000;
// Operations handed to the provisioning queue per call after commit.
const DISPATCH_BATCH = 1000;

const CLOSE_ACTOR = systemActor('campaign-close');

/** The `close` job of the `campaigns` queue: default decisions, remediation, then `closed`. */
@Injectable()
export class CampaignCloseService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsRepository,
    private readonly items: ReviewItemsRepository,
    private readonly audit: AuditService,
    private readonly provisioning: ProvisioningService,
    private readonly certifications: CertificationsService,
    private readonly access: AccessService,
  ) {}

  /**
   * Pending items take the default decision (`none`: expired); with autoRemediate every revoke becomes
   * a provisioning removal in this same transaction (ARCHITECTURE.md rule 2), else its remediation is
   * `manual`. Operations are dispatched after commit.
   */
  async runClose(campaignId: string, requestedBy: string | null): Promise<void> {
    const operationIds: string[] = [];
    let grantMemberships = 0;
    await this.dataSource.transaction(async (m) => {
      const c = await this.campaigns.getById(campaignId, m, true);
      if (c.status !== 'closing') return;
      const defaulted = await this.items.applyDefaultDecision(m, campaignId, c.default_decision);
      if (c.auto_remediate) {
        for (;;) {
          const batch = await this.items.revokesWithoutRemediation(m, campaignId, REMEDIATION_BATCH);
          if (batch.length === 0) break;
          const intents: OperationIntent[] = batch.map((i) => ({
            connectionId: c.connection_id,
            action: 'remove_member',
            accountId: i.account_id,
            groupId: i.group_id,
            reason: `access review "${c.name}": ${i.decision === 'convert_to_jit' ? 'converted to just-in-time' : 'revoked'}`,
            sourceType: 'review_item',
            sourceId: i.id,
          }));
          const ids = await this.provisioning.enqueue(m, intents);
          operationIds.push(...ids);
          // A membership a jumpgate grant created: its grant ends `revoked` once this removal succeeds
          // (RemediationService.applyRemovalOutcomes); until then, and for good if it fails, the grant stays live.
          grantMemberships += batch.filter((i) => i.grant_id !== null).length;
          await this.items.setRemediationPending(
            m,
            batch.map((i) => i.id),
            ids,
          );
        }
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
          requestedBy,
          defaulted,
          defaultDecision: c.default_decision,
          operations: operationIds.length,
          grantMemberships,
          certified,
          eligible,
          ...progress,
        },
      });
    });
    for (let i = 0; i < operationIds.length; i += DISPATCH_BATCH) {
      await this.provisioning.dispatch(operationIds.slice(i, i + DISPATCH_BATCH));
    }
  }
}
