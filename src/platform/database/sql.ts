/**
 * Rows of a statement with RETURNING: TypeORM's postgres driver answers UPDATE and DELETE with
 * `[rows, affectedCount]` but SELECT and INSERT with the rows alone.
 */
export function returned<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** Affected row count of an UPDATE or DELETE run through TypeORM's query(). */
export function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** A timestamptz column as API.md writes times (ISO 8601, UTC), null kept. */
export function iso(d: Date | null): string | null {
  return d?.toISOString() ?? null;
}
