import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type LinkedAccount } from '../auth/account-links';
import { AuthService } from '../auth/auth.service';
import { ConnectionsService } from '../connections/connections.service';
import { type Actor, hasRole } from '../platform/actor';
import { notFound } from '../platform/http/app-error';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import {
  type AccountResponse,
  type ApplicationResponse,
  type GroupResponse,
  toAccount,
  toApplication,
  toGroup,
} from './dto/directory.dto';
import {
  type AccountFilter,
  DirectoryRepository,
  type GroupFilter,
  type MembershipTarget,
  type ProvisionedChange,
} from './directory.repository';

export { type AccountResponse, type ApplicationResponse, type GroupResponse } from './dto/directory.dto';

/**
 * Accounts a principal may read besides its own (API.md "Who may call what": the beneficiary of a
 * request they may approve). `access` owns requests and registers this; directory knows no consumer.
 */
export type AccountReadGrant = (actor: Actor) => Promise<string[]>;

/**
 * The directory's service for everyone else: reads of the directory copy (API.md "Directory"), the
 * account links behind `/me`, and the membership facts provisioning and access ask for.
 */
@Injectable()
export class DirectoryService implements OnModuleInit {
  private readonly accountReadGrants: AccountReadGrant[] = [];

  constructor(
    private readonly repo: DirectoryRepository,
    private readonly auth: AuthService,
    private readonly connections: ConnectionsService,
  ) {}

  registerAccountReadGrant(grant: AccountReadGrant): void {
    this.accountReadGrants.push(grant);
  }

  /**
   * The accounts whose access, history and activity this actor may read: null for every account
   * (admins and auditors), else its own accounts and those other modules grant it.
   */
  async readableAccountIds(actor: Actor): Promise<string[] | null> {
    if (hasRole(actor, 'admin', 'auditor')) return null;
    if (actor.type !== 'principal') return [];
    const own = (await this.accountsForEmail(actor.email)).map((a) => a.id);
    const granted = await Promise.all(this.accountReadGrants.map((g) => g(actor)));
    return [...new Set([...own, ...granted.flat()])];
  }

  onModuleInit(): void {
    this.auth.registerAccountLinks({ accountsForEmail: (email) => this.accountsForEmail(email) });
  }

  /** The connections whose directory copy is shown (a deleted connection's is kept but hidden). */
  async liveConnectionIds(): Promise<string[]> {
    return (await this.connections.listLive()).map((c) => c.id);
  }

  async accountsForEmail(email: string): Promise<LinkedAccount[]> {
    return this.repo.getAccountsForEmail(email, await this.liveConnectionIds());
  }

  /** What provisioning needs to apply an operation: the JumpCloud ids and the group's membership method. */
  async membershipTarget(groupId: string, accountId: string): Promise<MembershipTarget | null> {
    return this.repo.getMembershipTarget(groupId, accountId);
  }

  /**
   * Records a membership change jumpgate itself made in JumpCloud, at once and inside the caller's
   * transaction, with its history row; the next sync confirms or contradicts it.
   */
  async recordProvisionedChange(m: EntityManager, change: ProvisionedChange): Promise<boolean> {
    return this.repo.recordProvisionedChange(m, change);
  }

  /** Whether these memberships are currently present in the directory copy (set-wise). */
  async presentMemberships(pairs: { groupId: string; accountId: string }[]): Promise<Set<string>> {
    return this.repo.getPresentMemberships(pairs);
  }

  /** Memberships a sync run marked removed (for grants that ended outside jumpgate), set-wise. */
  async removedMembershipsForRun(runId: string): Promise<{ groupId: string; accountId: string }[]> {
    return this.repo.getMembershipsRemovedByRun(runId);
  }

  /** Groups by id, set-wise (removed groups included; callers check `removedAt`). */
  async groupsByIds(ids: string[]): Promise<GroupResponse[]> {
    if (ids.length === 0) return [];
    return (await this.repo.getGroupsByIds(ids, await this.liveConnectionIds())).map(toGroup);
  }

  async listAccounts(
    _actor: Actor,
    f: AccountFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<AccountResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.listAccounts(f, ks, await this.liveConnectionIds()), toAccount);
  }

  async getAccount(
    _actor: Actor,
    id: string,
  ): Promise<AccountResponse & { groups: { groupId: string; name: string; since: string }[] }> {
    const row = await this.repo.getAccount(id, await this.liveConnectionIds());
    if (!row) throw notFound('Account');
    const groups = await this.repo.getAccountGroups(id);
    return {
      ...toAccount(row),
      groups: groups.map((g) => ({ groupId: g.group_id, name: g.name, since: g.since.toISOString() })),
    };
  }

  async listGroups(
    _actor: Actor,
    f: GroupFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<GroupResponse>> {
    const ks = Keyset.from(cursor, limit);
    const rows = await this.repo.listGroups(f, ks, await this.liveConnectionIds());
    // These rows select their cursor key (ck) but not created_at: their position is given.
    return ks.page(rows, toGroup, (r) => ({ k: r.ck, id: r.id }));
  }

  async getGroup(_actor: Actor, id: string): Promise<GroupResponse> {
    const row = await this.repo.getGroup(id, await this.liveConnectionIds());
    if (!row) throw notFound('Group');
    return toGroup(row);
  }

  async listGroupMembers(
    actor: Actor,
    groupId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<AccountResponse & { since: string }>> {
    await this.getGroup(actor, groupId);
    const ks = Keyset.from(cursor, limit);
    const rows = await this.repo.listGroupMembers(groupId, ks, await this.liveConnectionIds());
    return ks.page(rows, (r) => ({ ...toAccount(r), since: (r.since ?? r.created_at).toISOString() }));
  }

  async listApplications(
    _actor: Actor,
    f: { connectionId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<ApplicationResponse>> {
    const ks = Keyset.from(cursor, limit);
    const rows = await this.repo.listApplications(f, ks, await this.liveConnectionIds());
    // These rows select their cursor key (ck) but not created_at: their position is given.
    return ks.page(rows, toApplication, (r) => ({ k: r.ck, id: r.id }));
  }
}
