import { Injectable } from '@nestjs/common';
import { type Actor } from '../platform/actor';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { type Page, toPage } from '../platform/http/pagination';
import { DirectoryService } from './directory.service';
import { type MembershipHistoryItem, toHistoryItem } from './dto/membership-history.dto';
import { MembershipHistoryRepository } from './membership-history.repository';

export { type MembershipHistoryItem } from './dto/membership-history.dto';

// The cursor (encodeCursor's `{k, id}`, base64url JSON) has cursorKey's output as its key and the row's
// bigserial as its id, where other lists have a uuid: it is read here, and anything else is forged.
const CURSOR_TEXT = /^[A-Za-z0-9_-]{1,512}$/;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const CURSOR_ID = /^[1-9]\d{0,17}$/;

function decodeHistoryCursor(cursor: string | undefined): { k: string; id: string } | null {
  if (cursor === undefined) return null;
  let v: unknown = null;
  if (typeof cursor === 'string' && CURSOR_TEXT.test(cursor)) {
    try {
      v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      v = null;
    }
  }
  const { k, id } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  // A real moment too (Postgres refuses 30 February where Date.parse rolls it over).
  if (
    typeof k === 'string' &&
    typeof id === 'string' &&
    CURSOR_TIME.test(k) &&
    CURSOR_ID.test(id) &&
    !Number.isNaN(Date.parse(k)) &&
    new Date(Date.parse(k)).toISOString().slice(0, 19) === k.slice(0, 19)
  ) {
    return { k, id };
  }
  throw new AppError('invalid_cursor', 'cursor is not valid');
}

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

  private position(cursor: string | undefined): { k: string; id: string } | null {
    return decodeHistoryCursor(cursor);
  }

  private async exists(table: 'directory_accounts' | 'directory_groups', id: string): Promise<boolean> {
    // Removed accounts and groups keep their history; those of a deleted connection are gone.
    return this.history.existsInLiveConnection(table, id, await this.directory.liveConnectionIds());
  }
}
