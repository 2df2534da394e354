import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type LinkedAccount } from '../auth/account-links';
import { DirectoryService } from '../directory/directory.service';
import { type Actor, hasRole } from '../platform/actor';
import { AccessRequestsRepository } from './access-requests.repository';
import { approversOf } from './dto/access.mappers';
import { GroupPoliciesRepository } from './group-policies.repository';
import { RequestApproversRepository } from './request-approvers.repository';

/** Which requests and grants a reader may see: all (admins, auditors), else their own and their accounts'. */
export interface ReadScope {
  all: boolean;
  me: string | null;
  accounts: string[];
}

/**
 * Who may touch what in access, asked by every service first: the actor's own accounts, the groups
 * it approves, and the rows it may read (API.md "Who may call what").
 */
@Injectable()
export class AccessVisibility {
  constructor(
    private readonly directory: DirectoryService,
    private readonly policies: GroupPoliciesRepository,
    private readonly requests: AccessRequestsRepository,
    private readonly approvers: RequestApproversRepository,
  ) {}

  async myAccounts(actor: Actor): Promise<LinkedAccount[]> {
    return actor.type === 'principal' ? this.directory.accountsForEmail(actor.email) : [];
  }

  /** Scope SQL of requests and grants: which rows a plain principal may read. */
  async readScope(actor: Actor): Promise<ReadScope> {
    return {
      all: hasRole(actor, 'admin', 'auditor'),
      me: actor.type === 'principal' ? actor.id : null,
      accounts: (await this.myAccounts(actor)).map((a) => a.id),
    };
  }

  async isApprover(actor: Actor, groupId: string, m?: EntityManager): Promise<boolean> {
    if (actor.type !== 'principal') return false;
    const p = await this.policies.get(groupId, m);
    return !!p && approversOf(p).includes(actor.id);
  }

  /** Whether a request added the actor as an approver (its manager, an owner or admin asked instead). */
  async isAddedApprover(actor: Actor, requestId: string): Promise<boolean> {
    if (actor.type !== 'principal') return false;
    const rows = await this.approvers.getOf([requestId]);
    return rows.some((r) => r.principal_id === actor.id && r.removed_reason === null);
  }

  /**
   * Accounts that pending requests this actor may approve would benefit: an approver may read their
   * access and membership history before deciding (API.md "Who may call what").
   */
  async beneficiariesToApprove(actor: Actor): Promise<string[]> {
    if (actor.type !== 'principal') return [];
    return this.requests.getBeneficiariesOfPendingApprovableBy(actor.id);
  }
}
