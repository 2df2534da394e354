import { ConfigError, loadMigrationUrl } from '../../config/app-config';
import { runMigrations } from './migrate';

// `npm run migration:run` / `migration:revert`: the same locked runner the server uses at start-up.
async function main(): Promise<void> {
  const url = loadMigrationUrl();
  const direction = process.argv[2] === 'revert' ? 'revert' : 'up';
  const applied = await runMigrations(url, direction);
  console.log(
    direction === 'revert' ? 'Reverted the last migration' : `Applied ${applied.length} migration(s)`,
  );
  for (const name of applied) console.log(`  ${name}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
});
