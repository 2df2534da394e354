import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { systemActor } from '../platform/actor';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import {
  PROVISIONING_OPERATION_SETTLED,
  type ProvisioningOperationSettledEvent,
} from '../provisioning/provisioning.events';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { REMEDIATION_RECONCILE_TICK } from './campaigns.schedule';
import { ReviewItemsRepository } from './review-items.repository';

// A removal that settled this long ago without its item hearing of it lost its settled event (the
// process stopped between the commit and the publication): the reconcile tick applies it.
const REMEDIATION_RECONCILE_AFTER_MS = 30_000;
const RECONCILE_BATCH = 1_000;
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
    private readonly dataSource: DataSource,
    private readonly items: ReviewItemsRepository,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly access: AccessService,
    private readonly provisioning: ProvisioningService,
    private readonly tick: ClusterTickService,
  ) {}

  onModuleInit(): void {
    this.tick.register({
      name: REMEDIATION_RECONCILE_TICK.name,
      periodMs: () => REMEDIATION_RECONCILE_TICK.periodMs,
      run: async () => void (await this.reconcileSettledRemediations()),
    });
  }

  /**
   * The removal's outcome: failed and manual settle the item; success waits for a confirming sync.
   * Returns whether the item took it (false when it already had).
   */
  @OnEvent(PROVISIONING_OPERATION_SETTLED, { async: true, promisify: true })
  async onOperationSettled(e: ProvisioningOperationSettledEvent): Promise<boolean> {
    if (e.sourceType !== 'review_item') return false;
    return this.dataSource.transaction(async (m) => {
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
    });
  }

  /**
   * Items whose removal settled over REMEDIATION_RECONCILE_AFTER_MS ago but which still wait for its
   * outcome missed the settled event: it is applied here, without another JumpCloud call. Without
   * this such an item would stay `pending` for good (a confirming sync only looks at applied removals).
   * Returns the number of items it moved on.
   */
  async reconcileSettledRemediations(): Promise<number> {
    const settledBefore = Date.now() - REMEDIATION_RECONCILE_AFTER_MS;
    let afterId = FIRST_ID;
    let moved = 0;
    for (;;) {
      const items = await this.items.removalsAwaitingOutcome(afterId, RECONCILE_BATCH);
      if (items.length === 0) break;
      afterId = items[items.length - 1].id;
      const current = new Map(items.map((i) => [i.id, i.operation_id]));
      const settled = await this.provisioning.settledOperationsOf(
        'review_item',
        items.map((i) => i.id),
      );
      for (const e of settled) {
        if (current.get(e.sourceId) !== e.operationId || Date.parse(e.completedAt) >= settledBefore) continue;
        if (await this.onOperationSettled(e)) moved++;
      }
    }
    if (moved > 0) this.logger.warn({ items: moved }, 'applied removal outcomes whose events were lost');
    return moved;
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
