import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { type ProvisioningOperationSettledEvent } from '../provisioning/provisioning.events';
import { ProvisioningService, type SourceVerdicts } from '../provisioning/provisioning.service';
import { CertificationsService } from './certifications.service';
import { ReviewItemsRepository } from './review-items.repository';

// Items marked done or failed per statement after a sync.
const CONFIRM_BATCH = 5_000;

const PROVISIONING_ACTOR = systemActor('provisioning');

/**
 * What becomes of a revoke after close: the removal's outcome from provisioning, and the sync that
 * confirms (or contradicts) it.
 */
@Injectable()
export class RemediationService implements OnModuleInit {
  private readonly logger = new Logger(RemediationService.name);

  constructor(
    private readonly items: ReviewItemsRepository,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly provisioning: ProvisioningService,
    private readonly certifications: CertificationsService,
  ) {}

  onModuleInit(): void {
    this.provisioning.registerOutcomeHandler('review_item', async (m, ops) => {
      await this.applyRemovalOutcomes(m, ops);
    });
    this.provisioning.registerVerifiedHandler('review_item', (m, v) => this.applyVerdicts(m, v));
  }

  /**
   * The removals' outcomes, inside provisioning's settling transaction: failed and manual settle the
   * item; success waits for a confirming sync. Returns how many items took theirs (an item that
   * already had is left as it is).
   */
  async applyRemovalOutcomes(m: EntityManager, ops: ProvisioningOperationSettledEvent[]): Promise<number> {
    let applied = 0;
    for (const e of ops) if (await this.applyRemovalOutcome(m, e)) applied++;
    return applied;
  }

  private async applyRemovalOutcome(
    m: EntityManager,
    e: ProvisioningOperationSettledEvent,
  ): Promise<boolean> {
    const item = await this.items.applyRemovalOutcome(m, e);
    if (!item) return false;
    // The removal took out a membership a grant created: only now does that grant end (`revoked`).
    // A failed removal leaves the grant live, to expire as usual, and the item `failed`.
    // The membership is gone: so is its certification (API.md "Removing a membership ends its certification").
    // (A removal is always of a membership: administrator accounts, with no group, are never removed.)
    if (e.status === 'succeeded' && item.group_id !== null) {
      await this.certifications.endRemoved(m, [{ groupId: item.group_id, accountId: item.account_id }]);
    }
    if (e.status === 'succeeded' && item.grant_id !== null) {
      await this.access.endGrantsRevokedByReview(m, PROVISIONING_ACTOR, [
        { grantId: item.grant_id, reviewItemId: item.id },
      ]);
    }
    if (e.status !== 'succeeded') {
      await this.audit.record(m, PROVISIONING_ACTOR, {
        action: `campaign.item.remediation_${e.status}`,
        targetType: 'review_item',
        targetId: item.id,
        data: { campaignId: item.campaign_id, operationId: e.operationId, error: e.error },
      });
    }
    return true;
  }

  /**
   * Maps provisioning's verdict on removals (ProvisioningService.registerVerifiedHandler): `done` once a
   * sync that started after JumpCloud accepted the removal no longer lists the membership; a sync that
   * still lists it marks the remediation failed. Inside provisioning's verifying transaction.
   */
  async applyVerdicts(m: EntityManager, v: SourceVerdicts): Promise<void> {
    const done = v.confirmed.map((o) => o.sourceId);
    const failed = v.contradicted.map((o) => o.sourceId);
    for (let i = 0; i < done.length; i += CONFIRM_BATCH) {
      await this.items.markRemediationDone(m, done.slice(i, i + CONFIRM_BATCH));
    }
    if (failed.length === 0) return;
    this.logger.warn(
      { runId: v.runId, count: failed.length },
      'revoked memberships still present after sync',
    );
    for (let i = 0; i < failed.length; i += CONFIRM_BATCH) {
      await this.items.markRemediationFailed(m, failed.slice(i, i + CONFIRM_BATCH));
    }
  }
}
