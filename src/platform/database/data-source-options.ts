import { join } from 'node:path';
import { type DataSourceOptions } from 'typeorm';

// Entities and migrations are found by glob so that dist/ (compiled .js) and ts-jest (.ts) both work.
const ROOT = join(__dirname, '..', '..', '..');

export function dataSourceOptions(
  databaseUrl: string,
  extra: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [join(ROOT, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(ROOT, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    // Schema changes only through migrations, everywhere (tests included).
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20, connectionTimeoutMillis: 10_000 },
    ...extra,
  } as DataSourceOptions;
}
