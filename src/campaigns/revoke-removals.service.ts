import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type OperationIntent, ProvisioningService } from '../provisioning/provisioning.service';
import { type CampaignRow } from './dto/campaign.mapper';
import { ReviewItemsRepository } from './review-items.repository';

// Revokes turned into provisioning operations per statement, well under 65,535 bind parameters.
const REMEDIATION_BATCH = 5_000;
// Operations handed to the provisioning queue per call after commit.
const DISPATCH_BATCH = 1000;

/** What enqueueing a campaign's revokes made. */
export interface EnqueuedRemovals {
  operationIds: string[];
  /** Removals of memberships a jumpgate grant created. */
  grantMemberships: number;
}

/**
 * Revokes with no remediation yet become provisioning removals (ARCHITECTURE.md rule 2: in the caller's
 * transaction), for a close and for the release of held removals alike; dispatched after commit.
 */
@Injectable()
export class RevokeRemovalsService {
  constructor(
    private readonly items: ReviewItemsRepository,
    private readonly provisioning: ProvisioningService,
  ) {}

  async enqueue(
    m: EntityManager,
    c: Pick<CampaignRow, 'id' | 'name' | 'connection_id'>,
  ): Promise<EnqueuedRemovals> {
    const out: EnqueuedRemovals = { operationIds: [], grantMemberships: 0 };
    for (;;) {
      const batch = await this.items.revokesWithoutRemediation(m, c.id, REMEDIATION_BATCH);
      if (batch.length === 0) return out;
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
      out.operationIds.push(...ids);
      // A membership a jumpgate grant created: its grant ends `revoked` once this removal succeeds
      // (RemediationService.applyRemovalOutcomes); until then, and for good if it fails, the grant stays live.
      out.grantMemberships += batch.filter((i) => i.grant_id !== null).length;
      await this.items.setRemediationPending(
        m,
        batch.map((i) => i.id),
        ids,
      );
    }
  }

  async dispatch(operationIds: string[]): Promise<void> {
    for (let i = 0; i < operationIds.length; i += DISPATCH_BATCH) {
      await this.provisioning.dispatch(operationIds.slice(i, i + DISPATCH_BATCH));
    }
  }
}
