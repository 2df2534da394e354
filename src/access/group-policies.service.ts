import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { AppError } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { AccessVisibility } from './access-visibility';
import { type CatalogEntry, type PolicyResponse, type PutPolicyDto } from './dto/access.dto';
import { toPolicy } from './dto/access.mappers';
import { GroupPoliciesRepository } from './group-policies.repository';
import { checkPolicy, isEligible, isRoleGroup, noPolicy, principalsOf } from './group-policy.policy';

/** Requestable-group policies (who owns and approves a group, for how long) and the catalog built on them. */
@Injectable()
export class GroupPoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: GroupPoliciesRepository,
    private readonly visibility: AccessVisibility,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async getPolicy(actor: Actor, groupId: string): Promise<PolicyResponse> {
    await this.directory.group(groupId);
    const row = await this.policies.get(groupId);
    return row ? toPolicy(row) : noPolicy(groupId, this.config.maxGrantMinutes);
  }

  async putPolicy(actor: Actor, groupId: string, dto: PutPolicyDto): Promise<PolicyResponse> {
    const group = await this.directory.group(groupId);
    if (group.removedAt) throw new AppError('invalid_state', 'The group was removed from JumpCloud');
    if (dto.requestable && group.membershipMethod === 'DYNAMIC_AUTOMATED') {
      throw new AppError(
        'dynamic_group',
        'A DYNAMIC_AUTOMATED group cannot be requestable: JumpCloud sets its members by rule',
      );
    }
    // Membership of a role group makes an admin or auditor (ADMIN_GROUPS / AUDITOR_GROUPS): asking for
    // it would be asking for a role. Read from config: access does not ask auth for it.
    if (dto.requestable && isRoleGroup(this.config, group.externalId)) {
      throw new AppError(
        'role_group',
        'This group gives a jumpgate role (ADMIN_GROUPS or AUDITOR_GROUPS): it cannot be requestable',
      );
    }
    const values = checkPolicy(dto, this.config.maxGrantMinutes);
    const wanted = principalsOf(values);
    const existing = new Set(await this.auth.existingPrincipalIds(wanted));
    const missing = wanted.filter((id) => !existing.has(id));
    if (missing.length > 0) {
      throw new AppError('validation_failed', `No such principal: ${missing.join(', ')}`);
    }
    const eligible = [
      ...new Set([
        ...(values.eligibleGroupIds ?? []),
        ...(values.autoApproveRules ?? []).flatMap((r) => r.requesterInGroupIds ?? []),
      ]),
    ];
    if (eligible.length > 0) {
      const found = await this.directory.groupsByIds(eligible);
      const ok = new Set(
        found.filter((g) => !g.removedAt && g.connectionId === group.connectionId).map((g) => g.id),
      );
      const bad = eligible.filter((id) => !ok.has(id));
      if (bad.length > 0) {
        throw new AppError(
          'validation_failed',
          `eligibleGroupIds and requesterInGroupIds must be groups of the same connection: ${bad.join(', ')}`,
        );
      }
    }
    if (values.eligibleAccountIds.length > 0) {
      const found = await this.directory.accountsByIds(values.eligibleAccountIds);
      const ok = new Set(
        found.filter((a) => a.kind === 'user' && a.connectionId === group.connectionId).map((a) => a.id),
      );
      const bad = values.eligibleAccountIds.filter((id) => !ok.has(id));
      if (bad.length > 0) {
        throw new AppError(
          'validation_failed',
          `eligibleAccountIds must be user accounts of the same connection: ${bad.join(', ')}`,
        );
      }
    }
    const row = await this.dataSource.transaction(async (m) => {
      const previous = await this.policies.get(groupId, m);
      const saved = await this.policies.upsert(m, groupId, group.connectionId, values);
      await this.audit.record(m, actor, {
        action: 'access.policy.updated',
        targetType: 'group',
        targetId: groupId,
        data: { previous: previous ? toPolicy(previous) : null, policy: toPolicy(saved) },
      });
      return saved;
    });
    return toPolicy(row);
  }

  /** Of these groups, those with a requestable policy. */
  requestableAmong(groupIds: string[]): Promise<Set<string>> {
    return groupIds.length === 0 ? Promise.resolve(new Set()) : this.policies.requestableAmong(groupIds);
  }

  /**
   * Accounts whose standing membership a review converted to just-in-time become eligible to request
   * the group (eligible_account_ids), in the caller's transaction, one audit event per account added.
   */
  async addEligibleAccounts(
    m: EntityManager,
    actor: Actor,
    entries: { groupId: string; accountId: string; reviewItemId: string }[],
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const added = await this.policies.addEligibleAccounts(m, entries);
    await this.audit.recordMany(
      m,
      actor,
      added.map((a) => ({
        action: 'access.policy.eligible_account_added',
        targetType: 'group',
        targetId: a.group_id,
        data: {
          accountId: a.account_id,
          reviewItemId:
            entries.find((e) => e.groupId === a.group_id && e.accountId === a.account_id)?.reviewItemId ??
            null,
          reason: 'convert_to_jit',
        },
      })),
    );
    return added.length;
  }

  /** Requestable groups the caller has an account for and is eligible to request. */
  async catalog(actor: Actor, limit: number, cursor?: string): Promise<Page<CatalogEntry>> {
    const accounts = (await this.visibility.myAccounts(actor)).filter((a) => a.kind === 'user');
    const ks = Keyset.from(cursor, limit);
    const rows = await this.policies.getRequestableInConnections(
      [...new Set(accounts.map((a) => a.connectionId))],
      ks,
    );
    // Keyed by group_id: a policy has no id of its own.
    const page = ks.page(
      rows,
      (r) => r,
      (r) => ({ k: r.ck ?? r.created_at.toISOString(), id: r.group_id }),
    );
    const groups = new Map(
      (await this.directory.groupsByIds(page.items.map((p) => p.group_id))).map((g) => [g.id, g]),
    );
    const pairs = page.items.flatMap((p) =>
      (p.eligible_group_ids ?? []).flatMap((gid) =>
        accounts
          .filter((a) => a.connectionId === p.connection_id)
          .map((a) => ({ groupId: gid, accountId: a.id })),
      ),
    );
    const present = await this.directory.presentMemberships(pairs);
    const items: CatalogEntry[] = [];
    for (const p of page.items) {
      const g = groups.get(p.group_id);
      if (
        !g ||
        g.removedAt ||
        g.membershipMethod === 'DYNAMIC_AUTOMATED' ||
        isRoleGroup(this.config, g.externalId)
      ) {
        continue;
      }
      const mine = accounts.filter((a) => a.connectionId === p.connection_id);
      const eligible = mine.some((a) =>
        isEligible(
          p,
          a.id,
          (p.eligible_group_ids ?? []).some((gid) => present.has(`${gid}:${a.id}`)),
        ),
      );
      if (!eligible) continue;
      items.push({
        group: { id: g.id, name: g.name, applications: g.applications },
        maxDurationMinutes: p.max_duration_minutes,
        defaultDurationMinutes: p.default_duration_minutes ?? p.max_duration_minutes,
        requireJustification: p.require_justification,
        breakGlassMaxDurationMinutes: p.break_glass?.enabled ? p.break_glass.maxDurationMinutes : null,
      });
    }
    return { items, nextCursor: page.nextCursor };
  }
}
