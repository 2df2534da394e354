import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Actor } from '../platform/actor';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { cursorKey, type Page, toPage } from '../platform/http/pagination';
import { DirectoryService } from './directory.service';

/** One membership change (API.md "Provisioning and audit", `.../history`). */
export interface MembershipHistoryItem {
  at: string;
  accountId: string;
  groupId: string;
  action: 'added' | 'removed';
  source: { type: 'sync' | 'operation'; id: string };
  /** The change was not made by jumpgate: a sync saw it happen in JumpCloud. */
  outside: boolean;
  /**
   * Who made the change. jumpgate's own changes are jumpgate's; who made the others will come from
   * JumpCloud's Directory Insights, which jumpgate does not read yet: null until then.
   */
  changedBy: {
    type: 'admin' | 'api_key' | 'scim' | 'jumpgate' | 'unknown';
    email?: string;
    name?: string;
  } | null;
}

interface HistoryRow {
  id: string;
  at: Date;
  ck: string;
  account_id: string;
  group_id: string;
  change: 'added' | 'removed';
  run_id: string | null;
  operation_id: string | null;
}

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

function toItem(r: HistoryRow): MembershipHistoryItem {
  // A row with an operation is a change jumpgate made (written when the operation succeeded); the
  // others were seen by a sync, and a sync never records a change jumpgate made (see the merge).
  const byJumpgate = r.operation_id !== null;
  return {
    at: r.at.toISOString(),
    accountId: r.account_id,
    groupId: r.group_id,
    action: r.change,
    source: byJumpgate
      ? { type: 'operation', id: r.operation_id as string }
      : { type: 'sync', id: r.run_id as string },
    outside: !byJumpgate,
    changedBy: byJumpgate ? { type: 'jumpgate' } : null,
  };
}

/** Membership history per group and per account, newest first. */
@Injectable()
export class MembershipHistoryService {
  constructor(
    private readonly dataSource: DataSource,
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
    return this.page('h.account_id = $1', [accountId], after, limit);
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
    return readable === null
      ? this.page('h.group_id = $1', [groupId], after, limit)
      : this.page('h.group_id = $1 AND h.account_id = ANY($2::uuid[])', [groupId, readable], after, limit);
  }

  private position(cursor: string | undefined): { k: string; id: string } | null {
    return decodeHistoryCursor(cursor);
  }

  private async exists(table: 'directory_accounts' | 'directory_groups', id: string): Promise<boolean> {
    // Removed accounts and groups keep their history; those of a deleted connection are gone.
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM ${table} x WHERE x.id = $1 AND x.connection_id = ANY($2::uuid[])`,
      [id, await this.directory.liveConnectionIds()],
    );
    return rows.length > 0;
  }

  private async page(
    where: string,
    params: unknown[],
    after: { k: string; id: string } | null,
    limit: number,
  ): Promise<Page<MembershipHistoryItem>> {
    const n = params.length;
    const rows = await this.dataSource.query<HistoryRow[]>(
      `SELECT h.id::text AS id, h.at, ${cursorKey('h.at')} AS ck, h.account_id, h.group_id, h.change,
              h.run_id, h.operation_id
       FROM directory_membership_history h
       WHERE ${where} AND ($${n + 1}::timestamptz IS NULL OR (h.at, h.id) < ($${n + 1}::timestamptz, $${n + 2}::bigint))
       ORDER BY h.at DESC, h.id DESC LIMIT $${n + 3}`,
      [...params, after?.k ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (r) => ({ k: r.ck, id: r.id }), toItem);
  }
}
