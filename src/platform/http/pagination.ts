import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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
  @IsString()
  @MaxLength(512)
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

export function decodeCursor(cursor: string | undefined): CursorPosition | null {
  if (cursor === undefined) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as CursorPosition).k === 'string' &&
      typeof (v as CursorPosition).id === 'string'
    ) {
      return v as CursorPosition;
    }
  } catch {
    // fall through
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
