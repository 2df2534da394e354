import { Injectable } from '@nestjs/common';
import { type LinkedAccount } from '../auth/account-links';
import { DirectoryService } from '../directory/directory.service';
import { effectiveRules, matchingRule } from './auto-approve.policy';
import { type PolicyRow } from './dto/access.rows';

/** Which auto-approve rule (API.md "Just-in-time additions") a new request matches, from directory facts. */
@Injectable()
export class AutoApproveService {
  constructor(private readonly directory: DirectoryService) {}

  /**
   * The index of the first rule of the policy the request matches, or null. The requester's facts
   * (department, group membership) are those of its own user account in the group's connection; a
   * requester without one matches only rules with no such condition.
   */
  async match(
    policy: PolicyRow,
    requesterAccounts: LinkedAccount[],
    req: { self: boolean; durationMinutes: number },
  ): Promise<number | null> {
    const rules = effectiveRules(policy);
    if (rules.length === 0) return null;
    const own = requesterAccounts.find((a) => a.kind === 'user' && a.connectionId === policy.connection_id);
    const [account] = own ? await this.directory.accountsByIds([own.id]) : [];
    const named = [...new Set(rules.flatMap((r) => r.requesterInGroupIds ?? []))];
    const present =
      own && named.length > 0
        ? await this.directory.presentMemberships(named.map((groupId) => ({ groupId, accountId: own.id })))
        : new Set<string>();
    return matchingRule(rules, {
      self: req.self,
      durationMinutes: req.durationMinutes,
      department: account?.department ?? null,
      requesterGroupIds: new Set(named.filter((g) => own && present.has(`${g}:${own.id}`))),
    });
  }
}
