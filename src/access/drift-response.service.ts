import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import {
  type DriftAdd,
  type DriftOutcome,
  DriftResponders,
  type DriftResponse,
  describeChanger,
} from '../platform/drift';
import { StandingReviews } from '../platform/standing-reviews';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { DEFAULT_OUT_OF_BAND_ADDS, driftAction } from './drift.policy';
import { GroupPoliciesRepository } from './group-policies.repository';

const DRIFT_ACTOR = systemActor('drift');

/**
 * What a group's policy does with a membership added in JumpCloud without jumpgate (API.md
 * `outOfBandAdds`), served to directory through the DriftResponders port inside the sync's
 * transaction: `allow` accepts it, `review` hands it to the connection's standing campaign `Drift
 * reviews` (StandingReviews), `revert` enqueues its removal (`sourceType: "drift"`, the run as source;
 * never for a dynamic group, drift.policy.ts). An add of jumpgate's own that had not settled when the
 * sync listed it is no drift (`jumpgate`). Each review and revert is audited.
 */
@Injectable()
export class DriftResponseService implements OnModuleInit {
  constructor(
    private readonly port: DriftResponders,
    private readonly policies: GroupPoliciesRepository,
    private readonly provisioning: ProvisioningService,
    private readonly standingReviews: StandingReviews,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.port.register((m, adds) => this.respond(m, adds));
  }

  async respond(m: EntityManager, adds: DriftAdd[]): Promise<DriftOutcome> {
    const policies = await this.policies.getDriftPolicies(m, [...new Set(adds.map((a) => a.groupId))]);
    const own = await this.provisioning.unsettledAdds(m, adds);
    const responses: DriftResponse[] = adds.map((a) => {
      const p = policies.get(a.groupId);
      const ownerIds = p?.ownerIds ?? [];
      if (own.has(`${a.groupId}:${a.accountId}`)) return { action: 'jumpgate', ownerIds, note: null };
      return { ...driftAction(p?.outOfBandAdds ?? DEFAULT_OUT_OF_BAND_ADDS, a.membershipMethod), ownerIds };
    });
    const toReview = adds.filter((_, i) => responses[i].action === 'review');
    const toRevert = adds.filter((_, i) => responses[i].action === 'revert');
    const noteOf = (a: DriftAdd) => responses[adds.indexOf(a)].note;

    const itemIds = await this.standingReviews.request(
      m,
      toReview.map((a) => ({
        purpose: 'drift',
        connectionId: a.connectionId,
        accountId: a.accountId,
        groupId: a.groupId,
        reason: `Added in JumpCloud outside jumpgate by ${describeChanger(a.changedBy)}`,
        key: `${a.runId}.${a.accountId}.${a.groupId}`,
      })),
    );
    const operationIds = await this.provisioning.enqueue(
      m,
      toRevert.map((a) => ({
        connectionId: a.connectionId,
        action: 'remove_member',
        accountId: a.accountId,
        groupId: a.groupId,
        reason: `drift: added outside jumpgate by ${describeChanger(a.changedBy)}; the group's policy reverts such adds`,
        sourceType: 'drift',
        sourceId: a.runId,
      })),
    );
    await this.audit.recordMany(m, DRIFT_ACTOR, [
      ...toReview.map((a, i) => ({
        action: 'access.drift.review_requested',
        targetType: 'group',
        targetId: a.groupId,
        data: {
          runId: a.runId,
          accountId: a.accountId,
          changedBy: a.changedBy,
          reviewItemId: itemIds[i],
          note: noteOf(a),
        },
      })),
      ...toRevert.map((a, i) => ({
        action: 'access.drift.revert_enqueued',
        targetType: 'group',
        targetId: a.groupId,
        data: {
          runId: a.runId,
          accountId: a.accountId,
          changedBy: a.changedBy,
          operationId: operationIds[i],
        },
      })),
    ]);
    return { responses, afterCommit: () => this.provisioning.dispatch(operationIds) };
  }
}
