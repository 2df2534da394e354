import { Injectable } from '@nestjs/common';
import { type Actor } from '../platform/actor';
import { forbidden, notFound } from '../platform/http/app-error';
import { type CursorPosition, decodeCursor, type Page, toPage } from '../platform/http/pagination';
import { DirectoryService } from './directory.service';
import { type MembershipHistoryItem, toHistoryItem } from './dto/membership-history.dto';
import { MembershipHistoryRepository } from './membership-history.repository';

export { type MembershipHistoryItem } from './dto/membership-history.dto';

/** Membership history per group and per account, newest first. */
@Injectable()
export class MembershipHistoryService {
  constructor(
    private readonly history: MembershipHistoryRepository,
    private readonly directory: DirectoryService,
  ) {}

  async forAccount(
    actor: Actor,
    accountId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<MembershipHistoryItem>> {
    const after = this.position(cursor);
    if (!(await this.exists('directory_accounts', accountId))) throw notFound('Account');
    const readable = await this.directory.readableAccountIds(actor);
    if (readable !== null && !readable.includes(accountId)) {
      throw forbidden(
        'You may read the history of your own accounts and of those whose access requests you may approve',
      );
    }
    const rows = await this.history.getForAccount(accountId, after, limit + 1);
    return toPage(rows, limit, (r) => ({ k: r.ck, id: r.id }), toHistoryItem);
  }

  /** Everything for admins and auditors; for anyone else, the rows about accounts they may read. */
  async forGroup(
    actor: Actor,
    groupId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<MembershipHistoryItem>> {
    const after = this.position(cursor);
    if (!(await this.exists('directory_groups', groupId))) throw notFound('Group');
    const readable = await this.directory.readableAccountIds(actor);
    const rows = await this.history.getForGroup(groupId, readable, after, limit + 1);
    return toPage(rows, limit, (r) => ({ k: r.ck, id: r.id }), toHistoryItem);
  }

  /**
   * The cursor's position: keyed by the row's time like every list, but its id is the history row's
   * bigserial, not a uuid, so another list's cursor is refused here (400 invalid_cursor) instead of
   * reaching SQL as a failed cast.
   */
  private position(cursor: string | undefined): CursorPosition | null {
    return decodeCursor(cursor, 'time', 'seq');
  }

  private async exists(table: 'directory_accounts' | 'directory_groups', id: string): Promise<boolean> {
    // Removed accounts and groups keep their history; those of a deleted connection are gone.
    return this.history.existsInLiveConnection(table, id, await this.directory.liveConnectionIds());
  }
}
