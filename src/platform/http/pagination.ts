import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AppError } from './app-error';

/** `?limit=` (1–500, default 50) and `?cursor=` of every list (API.md). */
export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'opaque cursor from a previous nextCursor' })
  @IsOptional()
  // Every cursor jumpgate did not issue is answered by decodeCursor with 400 `invalid_cursor` (API.md),
  // a repeated ?cursor= (an array here) too: it becomes a value decodeCursor refuses.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value : ''))
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A position in a list ordered by (sort key, id); the key is a timestamp or a number. */
export interface CursorPosition {
  k: string;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url');
}

/** What a cursor's sort key is: a timestamptz (cursorKey) or a bigint sequence number. */
export type CursorKind = 'time' | 'seq';

/** What a cursor's id is: a uuid, or a bigint (rows numbered by a bigserial, such as membership history). */
export type CursorIdKind = 'uuid' | 'seq';

// Longer than any cursor encodeCursor makes (about 110 characters).
const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;
const SEQ = /^\d{1,18}$/;

/**
 * A timestamp Postgres takes as it is: the shape cursorKey writes (or toISOString), a real date and
 * time (Date.parse would roll 30 February over to March; Postgres refuses it), year 1 or later.
 */
function isCursorTime(k: string): boolean {
  const m = TIME.exec(k);
  if (!m) return false;
  const ms = Date.parse(k);
  if (Number.isNaN(ms) || Number(m[1]) < 1) return false;
  return new Date(ms).toISOString().slice(0, 19) === k.slice(0, 19);
}

/**
 * The position a cursor names, or 400 `invalid_cursor` for anything encodeCursor would not have made
 * for this kind of list (API.md: a malformed or forged cursor). Checking the values, not only the
 * JSON, is what keeps a forged `{k, id}` from reaching SQL as a cast error (a 500).
 */
export function decodeCursor(
  cursor: string | undefined,
  kind: CursorKind = 'time',
  idKind: CursorIdKind = 'uuid',
): CursorPosition | null {
  if (cursor === undefined) return null;
  if (typeof cursor === 'string' && cursor.length <= MAX_CURSOR_LENGTH && BASE64URL.test(cursor)) {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      v = null;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 2) {
      const { k, id } = v as Partial<Record<string, unknown>>;
      if (
        typeof k === 'string' &&
        typeof id === 'string' &&
        (idKind === 'seq' ? SEQ.test(id) : UUID.test(id)) &&
        (kind === 'seq' ? SEQ.test(k) : isCursorTime(k))
      ) {
        return { k, id };
      }
    }
  }
  throw new AppError('invalid_cursor', 'cursor is not valid');
}

/** Given rows fetched with limit + 1, the page and the cursor of its last row. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => CursorPosition,
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return {
    items: slice.map(map),
    nextCursor: more && slice.length > 0 ? encodeCursor(key(slice[slice.length - 1])) : null,
  };
}

export const DEFAULT_LIMIT = 50;

/**
 * JSON text of a T, written straight from the rows: the route sends it as it is, with a JSON content
 * type, instead of building objects (Dates and all) only to stringify them (the busiest part of a hot
 * list route in a CPU profile).
 */
export type JsonText<T> = string & { readonly __jsonOf?: T };

/** toPage as JSON text: `write` gives one item's JSON. */
export function toJsonPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => CursorPosition,
  write: (row: R) => string,
): JsonText<Page<T>> {
  const page = toPage(rows, limit, key, write);
  const json = `{"items":[${page.items.join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
  return json;
}

/** SQL for a timestamptz as a microsecond-precise UTC string, the sort key of a cursor. */
export function cursorKey(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
