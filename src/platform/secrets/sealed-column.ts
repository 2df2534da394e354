import { type DataSource, type EntityManager } from 'typeorm';
import { type SecretBox } from './secret-box';

/**
 * A column of sealed secrets, bound to its row's `id` (a constant of the owning domain, never input):
 * connections' credentials, notification channels' config.
 */
export interface SealedColumn {
  table: string;
  column: string;
}

export interface ResealCounts {
  /** Sealed under a previous key, now sealed under ENCRYPTION_KEY. */
  resealed: number;
  /** Already sealed under ENCRYPTION_KEY: left as they were. */
  current: number;
  /** Sealed under a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS: left as they were. */
  unreadable: number;
}

type RowOutcome = keyof ResealCounts | 'gone';

/** JSON sealed for one row (AES-256-GCM bound to the row id), as both domains store secrets. */
export function sealJson(box: SecretBox, value: unknown, rowId: string): Buffer {
  return box.seal(JSON.stringify(value), rowId);
}

/** The JSON a row holds and whether it was sealed under a previous key; throws when no key opens it. */
export function openJson<T>(box: SecretBox, sealed: Buffer, rowId: string): { value: T; stale: boolean } {
  const { plaintext, stale } = box.open(sealed, rowId);
  return { value: JSON.parse(plaintext) as T, stale };
}

/**
 * Seals one row's secret again under ENCRYPTION_KEY when a previous key sealed it, under its row lock
 * in the caller's transaction, so a concurrent change of the same secret is never overwritten by an
 * older value. The one place that rewrites a sealed secret for a key rotation: `npm run reseal` and the
 * reseal-as-we-go of a server that opens a stale secret both come here.
 */
export async function resealRow(
  m: EntityManager,
  box: SecretBox,
  col: SealedColumn,
  id: string,
): Promise<RowOutcome> {
  const [row] = await m.query<{ sealed: Buffer }[]>(
    `SELECT ${col.column} AS sealed FROM ${col.table}
     WHERE id = $1 AND ${col.column} IS NOT NULL AND octet_length(${col.column}) > 0 FOR UPDATE`,
    [id],
  );
  if (!row) return 'gone'; // deleted (or its secret wiped) meanwhile
  let opened: { plaintext: string; stale: boolean };
  try {
    opened = box.open(row.sealed, id);
  } catch {
    return 'unreadable';
  }
  if (!opened.stale) return 'current';
  await m.query(`UPDATE ${col.table} SET ${col.column} = $2, updated_at = clock_timestamp() WHERE id = $1`, [
    id,
    box.seal(opened.plaintext, id),
  ]);
  return 'resealed';
}

/** Every row of a sealed column resealed under ENCRYPTION_KEY, one short transaction per row. */
export async function resealColumn(
  dataSource: DataSource,
  box: SecretBox,
  col: SealedColumn,
): Promise<ResealCounts> {
  const counts: ResealCounts = { resealed: 0, current: 0, unreadable: 0 };
  const ids = await dataSource.query<{ id: string }[]>(
    `SELECT id FROM ${col.table} WHERE ${col.column} IS NOT NULL AND octet_length(${col.column}) > 0 ORDER BY id`,
  );
  for (const { id } of ids) {
    const outcome = await dataSource.transaction((m) => resealRow(m, box, col, id));
    if (outcome !== 'gone') counts[outcome]++;
  }
  return counts;
}
