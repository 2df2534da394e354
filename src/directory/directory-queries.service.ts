import { Injectable } from '@nestjs/common';
import { type Actor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { notFound } from '../platform/http/app-error';
import { type Page } from '../platform/http/pagination';
import {
  type AccountFilter,
  DirectoryQueriesRepository,
  type GroupFilter,
} from './directory-queries.repository';
import { DirectoryService } from './directory.service';
import {
  type AccountResponse,
  type ApplicationResponse,
  type GroupResponse,
  toAccount,
  toApplication,
  toGroup,
} from './dto/directory.dto';

/** An account with its current groups (`GET /accounts/{id}`). */
export type AccountWithGroups = AccountResponse & {
  groups: { groupId: string; name: string; since: string }[];
};

/**
 * The directory copy as the API reads it (API.md "Directory"): accounts, groups, members and
 * applications, of live connections only. Only the controller calls it; other domains ask
 * DirectoryService their narrower questions.
 */
@Injectable()
export class DirectoryQueriesService {
  constructor(
    private readonly repo: DirectoryQueriesRepository,
    private readonly directory: DirectoryService,
  ) {}

  async listAccounts(
    _actor: Actor,
    f: AccountFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<AccountResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.listAccounts(f, ks, await this.directory.liveConnectionIds()), toAccount);
  }

  async getAccount(_actor: Actor, id: string): Promise<AccountWithGroups> {
    const row = await this.repo.getAccount(id, await this.directory.liveConnectionIds());
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
    const rows = await this.repo.listGroups(f, ks, await this.directory.liveConnectionIds());
    // These rows select their cursor key (ck) but not created_at: their position is given.
    return ks.page(rows, toGroup, (r) => ({ k: r.ck, id: r.id }));
  }

  async getGroup(_actor: Actor, id: string): Promise<GroupResponse> {
    const row = await this.repo.getGroup(id, await this.directory.liveConnectionIds());
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
    const rows = await this.repo.listGroupMembers(groupId, ks, await this.directory.liveConnectionIds());
    return ks.page(rows, (r) => ({ ...toAccount(r), since: (r.since ?? r.created_at).toISOString() }));
  }

  async listApplications(
    _actor: Actor,
    f: { connectionId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<ApplicationResponse>> {
    const ks = Keyset.from(cursor, limit);
    const rows = await this.repo.listApplications(f, ks, await this.directory.liveConnectionIds());
    // These rows select their cursor key (ck) but not created_at: their position is given.
    return ks.page(rows, toApplication, (r) => ({ k: r.ck, id: r.id }));
  }
}
