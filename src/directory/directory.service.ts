import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { type AccountStatus, type LinkedAccount } from '../auth/account-links';
import { AuthService } from '../auth/auth.service';
import { ConnectionsService } from '../connections/connections.service';
import { type Actor, hasRole } from '../platform/actor';
import { notFound } from '../platform/http/app-error';
import { type AccountResponse, type GroupResponse, toAccount, toGroup } from './dto/directory.dto';
import { DirectoryRepository, type MembershipTarget, type ProvisionedChange } from './directory.repository';

export { type AccountResponse, type ApplicationResponse, type GroupResponse } from './dto/directory.dto';
export { type MembershipTarget } from './directory.repository';

/**
 * Accounts a principal may read besides its own (API.md "Who may call what": the beneficiary of a
 * request they may approve). `access` owns requests and registers this; directory knows no consumer.
 */
export type AccountReadGrant = (actor: Actor) => Promise<string[]>;

/**
 * The directory's service for everyone else, and the one this module exports: who may read which
 * accounts, the account links behind `/me`, groups, accounts and applications by id, and the
 * membership facts provisioning and access ask for. The API's reads are DirectoryQueriesService's.
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
    this.auth.registerAccountLinks({
      accountsForEmail: (email) => this.accountsForEmail(email),
      accountStatusForEmail: (email) => this.accountStatusForEmail(email),
      groupsOfEmails: async (emails, groupIds) =>
        this.repo.getGroupsOfEmails(emails, groupIds, await this.liveConnectionIds()),
    });
  }

  /** Whether an email has an active account, only suspended or removed ones, or none (live connections). */
  async accountStatusForEmail(email: string): Promise<AccountStatus> {
    return this.repo.getAccountStatusForEmail(email, await this.liveConnectionIds());
  }

  /** The connections whose directory copy is shown (a deleted connection's is kept but hidden). */
  async liveConnectionIds(): Promise<string[]> {
    return (await this.connections.listLive()).map((c) => c.id);
  }

  async accountsForEmail(email: string): Promise<LinkedAccount[]> {
    return this.repo.getAccountsForEmail(email, await this.liveConnectionIds());
  }

  /**
   * What provisioning needs to apply operations (the JumpCloud ids, the group's membership method),
   * set-wise: keys `groupId:accountId`, a pair not in the directory absent.
   */
  async membershipTargets(
    pairs: { groupId: string; accountId: string }[],
  ): Promise<Map<string, MembershipTarget>> {
    if (pairs.length === 0) return new Map();
    return this.repo.getMembershipTargets(pairs);
  }

  /**
   * Records membership changes jumpgate itself made in JumpCloud, at once and inside the caller's
   * transaction, each with its history row (set-wise); the next sync confirms or contradicts them.
   */
  async recordProvisionedChanges(
    m: EntityManager,
    changes: ProvisionedChange[],
  ): Promise<ProvisionedChange[]> {
    if (changes.length === 0) return [];
    return this.repo.recordProvisionedChanges(m, changes);
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

  /** A group of a live connection (removed ones included), or 404. */
  async group(id: string): Promise<GroupResponse> {
    const [group] = await this.groupsByIds([id]);
    if (!group) throw notFound('Group');
    return group;
  }

  /** Accounts by id, set-wise (removed accounts included; callers check `removedAt`). */
  async accountsByIds(ids: string[]): Promise<AccountResponse[]> {
    if (ids.length === 0) return [];
    return (await this.repo.getAccountsByIds(ids, await this.liveConnectionIds())).map(toAccount);
  }

  /** Of these ids, those of the connection's current applications. */
  async applicationIdsIn(connectionId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set(await this.repo.getApplicationIdsIn(connectionId, ids, await this.liveConnectionIds()));
  }
}
