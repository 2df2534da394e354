import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AuditService } from './audit/audit.service';
import { ConfigError, loadConfig } from './config/app-config';
import { dataSourceOptions } from './platform/database/data-source-options';
import { type ResealCounts } from './platform/secrets/sealed-column';
import { SecretBox } from './platform/secrets/secret-box';
import { resealStoredSecrets } from './reseal';

// `npm run reseal`: every stored secret sealed again under ENCRYPTION_KEY, with counts. Runs as the
// server's role (DATABASE_URL): it changes rows, never the schema.
async function main(): Promise<void> {
  // Outside production a missing key would be a random one, and resealing under it would lose every secret.
  if (!process.env.ENCRYPTION_KEY?.trim()) throw new ConfigError('ENCRYPTION_KEY', 'is required to reseal');
  const config = loadConfig();
  const ds = new DataSource(dataSourceOptions(config.databaseUrl, { extra: { max: 2 } }));
  await ds.initialize();
  try {
    const box = new SecretBox(config.encryptionKey, config.encryptionKeyPrevious);
    const report = await resealStoredSecrets(ds, box, new AuditService(ds, config));
    const counts: [string, ResealCounts][] = [
      ['connections', report.connections],
      ['notificationChannels', report.notificationChannels],
    ];
    for (const [what, c] of counts) {
      console.log(
        `${what}: ${c.resealed} resealed with ENCRYPTION_KEY, ${c.current} already current, ${c.unreadable} unreadable with the configured keys`,
      );
    }
    console.log(JSON.stringify(report));
    if (counts.some(([, c]) => c.unreadable > 0)) process.exitCode = 2;
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `Reseal failed: ${(err as Error).message}`;
  // A connection error can quote the URL; never let a password reach the terminal.
  console.error(message.replace(/(:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1[REDACTED]@'));
  process.exit(1);
});
