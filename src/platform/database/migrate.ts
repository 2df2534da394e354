import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

// One constant per advisory lock jumpgate takes, so no two purposes ever share a key.
export const MIGRATION_LOCK_KEY = 727_100_001;

/**
 * Applies pending migrations under a Postgres advisory lock, so several processes starting at once
 * apply them exactly once; the others wait and then find nothing pending. `databaseUrl` is the
 * owner's (DATABASE_OWNER_URL when set, see `migrationUrl`).
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
    // Again after every run, not only in the migration that defines it: a runtime group role created
    // after that migration gets its rights at the next run (see migration 1764000009100).
    // Only the owner may run it (Postgres checks EXECUTE before any row, hence two statements): a server
    // role started with MIGRATIONS_RUN=true that found nothing pending skips it.
    const [{ may }] = (await lock.query(
      `SELECT coalesce(has_function_privilege(to_regprocedure('jumpgate_grant_app_role()'), 'EXECUTE'), false) AS may`,
    )) as { may: boolean }[];
    if (may) await lock.query(`SELECT jumpgate_grant_app_role()`);
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await ds.destroy();
  }
}

/** Migrations run as the schema's owner: DATABASE_OWNER_URL when set, else DATABASE_URL (API.md). */
export function migrationUrl(config: { databaseUrl: string; databaseOwnerUrl: string | null }): string {
  return config.databaseOwnerUrl ?? config.databaseUrl;
}
