import { type CursorKind, type CursorPosition, decodeCursor, type Page, toPage } from '../http/pagination';

export { cursorKey } from '../http/pagination';

/** A row of a keyset list: its id, its created_at, and the cursorKey text of it selected `AS ck`. */
export interface KeysetRow {
  id: string;
  created_at: Date;
  ck?: string;
}

/**
 * Keyset pagination over (created_at, id), the shape of every list (API.md):
 *
 *   const ks = Keyset.from(cursor, limit); // 400 invalid_cursor for a cursor jumpgate did not issue
 *   const rows = await q(
 *     `SELECT *, ${cursorKey('created_at')} AS ck FROM t
 *      WHERE owner_id = $1 AND ${ks.after(2)} ORDER BY created_at, id LIMIT $4`,
 *     [ownerId, ...ks.params],
 *   );
 *   return ks.page(rows, toResponse);
 *
 * One extra row is fetched to tell whether a next page exists; the cursor is the last row's
 * (ck, id), ck being microsecond-precise where a JS Date would round to milliseconds.
 */
export class Keyset {
  private constructor(
    readonly position: CursorPosition | null,
    readonly limit: number,
  ) {}

  static from(cursor: string | undefined, limit: number, kind: CursorKind = 'time'): Keyset {
    return new Keyset(decodeCursor(cursor, kind), limit);
  }

  /** Binds for `after(n)` and the LIMIT that follows it: sort key, id, limit + 1. */
  get params(): [string | null, string | null, number] {
    return [this.position?.k ?? null, this.position?.id ?? null, this.limit + 1];
  }

  /**
   * The condition "after the cursor" with its two binds at $n and $n+1 (true without a cursor);
   * `desc` for a list ordered newest first. Columns default to created_at and id; pass a table alias.
   */
  after(n: number, opts: { key?: string; id?: string; desc?: boolean } = {}): string {
    const key = opts.key ?? 'created_at';
    const id = opts.id ?? 'id';
    return `($${n}::timestamptz IS NULL OR (${key}, ${id}) ${opts.desc ? '<' : '>'} ($${n}::timestamptz, $${n + 1}::uuid))`;
  }

  /**
   * The page of rows fetched with `params`' limit + 1, mapped, with the next cursor if there is more.
   * `position` gives a row's cursor (default: its ck or created_at, and id).
   */
  page<R extends KeysetRow, T>(rows: R[], map: (row: R) => T): Page<T>;
  page<R, T>(rows: R[], map: (row: R) => T, position: (row: R) => CursorPosition): Page<T>;
  page<R, T>(rows: R[], map: (row: R) => T, position?: (row: R) => CursorPosition): Page<T> {
    return toPage(
      rows,
      this.limit,
      position ?? (keysetPosition as unknown as (row: R) => CursorPosition),
      map,
    );
  }
}

/** A row's cursor position: its microsecond cursorKey if selected, else its Date's. */
export function keysetPosition(r: KeysetRow): CursorPosition {
  return { k: r.ck ?? r.created_at.toISOString(), id: r.id };
}
