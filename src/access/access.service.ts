import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { ConnectionsService } from '../connections/connections.service';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { AccessVisibility } from './access-visibility';
import { type PolicyResponse } from './dto/access.dto';
import { GrantOutcomesService } from './grant-outcomes.service';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { GroupPoliciesService } from './group-policies.service';

/**
 * Just-in-time access (API.md): group policies, requests and approvals, and grants that jumpgate adds
 * through the provisioning outbox and removes at expiry (ARCHITECTURE.md rules 2, 3 and 4).
 *
 * The one service other domains call, and where access plugs its rules into theirs; the use cases
 * live in `group-policies`, `access-requests`, `grants`, `grant-expiry` and `grant-outcomes`.
 */
@Injectable()
export class AccessService implements OnModuleInit {
  constructor(
    private readonly policies: GroupPoliciesService,
    private readonly grants: GrantsService,
    private readonly grantRows: GrantsRepository,
    private readonly outcomes: GrantOutcomesService,
    private readonly visibility: AccessVisibility,
    private readonly directory: DirectoryService,
    private readonly provisioning: ProvisioningService,
    private readonly connections: ConnectionsService,
  ) {}

  onModuleInit(): void {
    this.directory.registerAccountReadGrant((actor) => this.visibility.beneficiariesToApprove(actor));
    this.connections.registerUsageCheck(async (connectionId) => {
      const n = await this.grantRows.countLiveInConnection(connectionId);
      return n > 0 ? `The connection has ${n} active grant(s); revoke them first` : null;
    });
    this.provisioning.registerRetryCheck('grant', (m, op) => this.outcomes.checkRetry(m, op));
    this.provisioning.registerOutcomeHandler('grant', (m, ops) => this.outcomes.onSettled(m, ops));
    this.provisioning.registerVerifiedHandler('grant', (m, v) => this.outcomes.onVerified(m, v));
  }

  /** A group's policy (campaigns reads its owners). */
  getPolicy(actor: Actor, groupId: string): Promise<PolicyResponse> {
    return this.policies.getPolicy(actor, groupId);
  }

  /** Of these groups, those with a requestable policy (a convert_to_jit decision needs one). */
  requestableAmong(groupIds: string[]): Promise<Set<string>> {
    return this.policies.requestableAmong(groupIds);
  }

  /** A review converted these memberships to just-in-time: each account may now request its group. */
  addEligibleAccounts(
    m: EntityManager,
    actor: Actor,
    entries: { groupId: string; accountId: string; reviewItemId: string }[],
  ): Promise<number> {
    return this.policies.addEligibleAccounts(m, actor, entries);
  }

  /** Grants an access review's removal took out end `revoked`, in the caller's transaction. */
  endGrantsRevokedByReview(
    m: EntityManager,
    actor: Actor,
    revoked: { grantId: string; reviewItemId: string }[],
  ): Promise<number> {
    return this.grants.endGrantsRevokedByReview(m, actor, revoked);
  }
}
