import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

// One constant per advisory lock jumpgate takes, so no two purposes ever share a key.
export const MIGRATION_LOCK_KEY = 727_100_001;

/**
 * Applies pending migrations under a Postgres advisory lock, so several processes starting at once
 * apply them exactly once; the others wait and then find nothing pending.
 */
export async function runMigrations(
  databaseUrl: string,
  direction: 'up' | 'revert' = 'up',
): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(databaseUrl, { extra: { max: 2 } }));
  await ds.initialize();
  const lock = ds.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    if (direction === 'revert') {
      await ds.undoLastMigration({ transaction: 'each' });
      return [];
    }
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await ds.destroy();
  }
}
