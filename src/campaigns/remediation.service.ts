import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { type EntityManager } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { systemActor } from '../platform/actor';
import { type ProvisioningOperationSettledEvent } from '../provisioning/provisioning.events';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { ReviewItemsRepository } from './review-items.repository';

// Items confirmed against the directory per statement after a sync.
const CONFIRM_BATCH = 5_000;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

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
    private readonly directory: DirectoryService,
    private readonly access: AccessService,
    private readonly provisioning: ProvisioningService,
  ) {}

  onModuleInit(): void {
    this.provisioning.registerOutcomeHandler('review_item', async (m, ops) => {
      await this.applyRemovalOutcomes(m, ops);
    });
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
   * `done` waits for a sync that started after JumpCloud accepted the removal and no longer lists the
   * membership; a sync that still lists it marks the remediation failed.
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    let afterId = FIRST_ID;
    for (;;) {
      const items = await this.items.removalsAppliedBefore(
        e.connectionId,
        e.startedAt,
        afterId,
        CONFIRM_BATCH,
      );
      if (items.length === 0) return;
      afterId = items[items.length - 1].id;
      const present = await this.directory.presentMemberships(
        items.map((i) => ({ groupId: i.group_id, accountId: i.account_id })),
      );
      const done = items.filter((i) => !present.has(`${i.group_id}:${i.account_id}`)).map((i) => i.id);
      const contradicted = items.filter((i) => present.has(`${i.group_id}:${i.account_id}`)).map((i) => i.id);
      await this.items.markRemediationDone(done);
      if (contradicted.length > 0) {
        this.logger.warn(
          { runId: e.runId, count: contradicted.length },
          'revoked memberships still present after sync',
        );
        await this.items.markRemediationFailed(contradicted);
      }
    }
  }
}
