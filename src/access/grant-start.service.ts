import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DirectoryService } from '../directory/directory.service';
import { EXPIRY_ACTOR } from './access.actors';
import { AccessNotifications } from './access-notifications';
import { AccessRequestsRepository } from './access-requests.repository';
import { effectiveRules } from './auto-approve.policy';
import { type GrantRow } from './dto/access.rows';
import { afterCommit, GrantEffects, grantIntent } from './grant-effects';
import { GrantsRepository } from './grants.repository';
import { GroupPoliciesRepository } from './group-policies.repository';
import { isEligible, isRoleGroup } from './group-policy.policy';

// Scheduled grants started per transaction: each costs one outbox row (or none) and one audit event.
const START_BATCH = 200;

/**
 * Scheduled starts (API.md "Just-in-time additions"): at its start a scheduled grant is checked again
 * (policy, eligibility, approvals) and then added like any grant, or ends `not_eligible` without any
 * JumpCloud call. A delayed `start` job and the cluster tick both start it, so a restart or a lost
 * Redis only delays it to the next tick.
 */
@Injectable()
export class GrantStartService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantsRepository,
    private readonly requests: AccessRequestsRepository,
    private readonly policies: GroupPoliciesRepository,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly directory: DirectoryService,
    private readonly notices: AccessNotifications,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts every scheduled grant due by now (all, or the given ones); returns how many it handled. */
  async startDueGrants(grantIds?: string[]): Promise<number> {
    let total = 0;
    for (;;) {
      const after = afterCommit();
      const rows = await this.dataSource.transaction(async (m) => {
        const due = await this.grants.lockDueScheduled(m, grantIds ?? null, START_BATCH);
        for (const g of due) await this.start(m, g, after);
        return due;
      });
      await this.effects.afterCommit(after);
      total += rows.length;
      if (rows.length < START_BATCH) return total;
    }
  }

  /** The delayed job of one grant: a job a moment early (this process's clock) is retried shortly. */
  async startByJob(grantId: string): Promise<void> {
    const g = await this.grants.getStartState(grantId);
    if (!g) return;
    if (g.due) {
      await this.startDueGrants([grantId]);
      return;
    }
    if (g.early) throw new Error(`grant ${grantId} does not start yet; the job retries`);
  }

  private async start(m: EntityManager, g: GrantRow, after: ReturnType<typeof afterCommit>): Promise<void> {
    const why = await this.recheck(m, g);
    if (why) {
      const ended = await this.grants.endScheduled(m, g.id, 'not_eligible', why);
      await this.audit.record(m, EXPIRY_ACTOR, {
        action: 'access.grant.not_eligible',
        targetType: 'grant',
        targetId: g.id,
        data: { reason: why, accountId: g.account_id, groupId: g.group_id },
      });
      after.notificationIds.push(
        ...(await this.notices.grantsChanged(m, [{ g: ended, kind: 'grant_ended' }])),
      );
      return;
    }
    await this.grants.setStatus(m, g.id, 'provisioning');
    await this.effects.enqueue(m, after, [grantIntent(g, 'add_member', `scheduled grant ${g.id} started`)]);
    await this.audit.record(m, EXPIRY_ACTOR, {
      action: 'access.grant.started',
      targetType: 'grant',
      targetId: g.id,
      data: { scheduledFor: g.scheduled_for?.toISOString() ?? null },
    });
  }

  /** Why a scheduled grant may no longer start, or null: the request's policy, eligibility and approvals again. */
  private async recheck(m: EntityManager, g: GrantRow): Promise<string | null> {
    const [group] = await this.directory.groupsByIds([g.group_id]);
    const policy = await this.policies.get(g.group_id, m);
    if (
      !group ||
      group.removedAt ||
      !policy?.requestable ||
      group.membershipMethod === 'DYNAMIC_AUTOMATED' ||
      isRoleGroup(this.config, group.externalId)
    ) {
      return 'the group is no longer requestable';
    }
    if (g.duration_minutes > policy.max_duration_minutes) return 'the duration now exceeds the policy';
    const [account] = await this.directory.accountsByIds([g.account_id]);
    if (!account || account.removedAt || account.state === 'SUSPENDED') {
      return 'the account is suspended or removed';
    }
    if (policy.eligible_group_ids?.length) {
      const present = await this.directory.presentMemberships(
        policy.eligible_group_ids.map((groupId) => ({ groupId, accountId: g.account_id })),
      );
      if (!isEligible(policy, g.account_id, present.size > 0)) {
        return 'the account is no longer in an eligible group';
      }
    }
    const req = await this.requests.get(g.request_id);
    const approvals = req ? await this.requests.getApprovalsOf([req.id]) : [];
    const people = await this.auth.principalRowsByIds([
      ...(req ? [req.requester_id] : []),
      ...approvals.flatMap((a) => (a.decision === 'approve' && a.approver_id ? [a.approver_id] : [])),
    ]);
    if (people.some((p) => p.disabled)) return 'the requester or an approver is disabled';
    const rules = effectiveRules(policy);
    for (const a of approvals) {
      if (a.rule !== null && (!rules[a.rule] || g.duration_minutes > rules[a.rule].maxDurationMinutes)) {
        return 'the auto-approve rule that approved it no longer applies';
      }
    }
    return null;
  }
}
