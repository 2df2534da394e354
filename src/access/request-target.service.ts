import { Inject, Injectable } from '@nestjs/common';
import { type LinkedAccount } from '../auth/account-links';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DirectoryService, type GroupResponse } from '../directory/directory.service';
import { type Actor, isAdmin } from '../platform/actor';
import { AppError, forbidden } from '../platform/http/app-error';
import { AccessVisibility } from './access-visibility';
import { type CreateRequestDto } from './dto/access.dto';
import { type PolicyRow } from './dto/access.rows';
import { GroupPoliciesRepository } from './group-policies.repository';
import { isEligible, isRoleGroup } from './group-policy.policy';

/** What a new request is about: a requestable group, its policy and the eligible account it is for. */
export interface RequestTarget {
  group: GroupResponse;
  policy: PolicyRow;
  accountId: string;
  accountEmail: string | null;
  /** The account is the requester's own. */
  self: boolean;
  /** The requester's own accounts. */
  mine: LinkedAccount[];
  /** The account is a member of the group in the directory copy. */
  standing: boolean;
}

/**
 * The checks every new request passes first (API.md "Just-in-time access"): a requestable group,
 * the account (the caller's own, or another for admins and owners), and the policy's eligibility.
 */
@Injectable()
export class RequestTargetService {
  constructor(
    private readonly policies: GroupPoliciesRepository,
    private readonly visibility: AccessVisibility,
    private readonly directory: DirectoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async resolve(actor: Actor, dto: Pick<CreateRequestDto, 'groupId' | 'accountId'>): Promise<RequestTarget> {
    if (actor.type !== 'principal') throw forbidden('Only principals request access');
    const [group] = await this.directory.groupsByIds([dto.groupId]);
    const policy = group && !group.removedAt ? await this.policies.get(group.id) : null;
    if (
      !group ||
      !policy ||
      !policy.requestable ||
      group.membershipMethod === 'DYNAMIC_AUTOMATED' ||
      // A policy saved before the group became a role group (ADMIN_GROUPS / AUDITOR_GROUPS).
      isRoleGroup(this.config, group.externalId)
    ) {
      throw new AppError('not_requestable', 'This group is not requestable');
    }
    const mine = await this.visibility.myAccounts(actor);
    let account: { id: string; email: string | null };
    let self: boolean;
    if (dto.accountId) {
      self = mine.some((a) => a.id === dto.accountId);
      if (!self && !isAdmin(actor) && !policy.owner_ids.includes(actor.id)) {
        throw forbidden("Only admins and the group's owners may request access for another account");
      }
      const [found] = await this.directory.accountsByIds([dto.accountId]);
      if (!found || found.removedAt || found.kind !== 'user' || found.connectionId !== group.connectionId) {
        throw new AppError('no_account', "That account is not a user of the group's connection");
      }
      account = found;
    } else {
      const own = mine.find((a) => a.kind === 'user' && a.connectionId === group.connectionId);
      if (!own) {
        throw new AppError('no_account', "You have no user account in this group's JumpCloud organisation");
      }
      account = own;
      self = true;
    }
    if (policy.eligible_group_ids?.length) {
      const present = await this.directory.presentMemberships(
        policy.eligible_group_ids.map((gid) => ({ groupId: gid, accountId: account.id })),
      );
      if (!isEligible(policy, account.id, present.size > 0)) {
        throw new AppError('not_eligible', 'Only members of the eligible groups may request this group');
      }
    }
    const standing =
      (await this.directory.presentMemberships([{ groupId: group.id, accountId: account.id }])).size > 0;
    return { group, policy, accountId: account.id, accountEmail: account.email, self, mine, standing };
  }
}
