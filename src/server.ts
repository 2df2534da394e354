import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { type AppConfig } from './config/app-config';
import { migrationUrl, runMigrations } from './platform/database/migrate';
import { configureApp, createFastifyAdapter } from './platform/http/configure-app';

// A graceful stop that cannot hang: BullMQ's worker close waits for Redis, which may be the part that is down.
const SHUTDOWN_DEADLINE_MS = 10_000;

function closeOnSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      console.error(
        `jumpgate: graceful shutdown after ${signal} did not finish in ${SHUTDOWN_DEADLINE_MS} ms; exiting`,
      );
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export async function startServer(config: AppConfig): Promise<void> {
  if (config.migrationsRun) {
    await runMigrations(migrationUrl(config)).catch((err: unknown) => {
      // A restricted server role can start with nothing pending, but cannot apply a migration.
      const hint = config.databaseOwnerUrl
        ? ''
        : '; if DATABASE_URL is the server’s restricted role, apply them as the owner (DATABASE_OWNER_URL, npm run migration:run)';
      throw new Error(`migrations failed: ${err instanceof Error ? err.message : String(err)}${hint}`);
    });
  }
  const module = AppModule.forRoot(config);
  if (config.appRole === 'worker') {
    const ctx = await NestFactory.createApplicationContext(module, { bufferLogs: true });
    ctx.useLogger(ctx.get(Logger));
    closeOnSignals(() => ctx.close());
    ctx.get(Logger).log('jumpgate worker started');
    return;
  }
  const app = await NestFactory.create<NestFastifyApplication>(module, createFastifyAdapter(config), {
    bufferLogs: true,
  });
  await configureApp(app, config);
  closeOnSignals(() => app.close());
  await app.listen(config.port, '0.0.0.0');
  app.get(Logger).log(`jumpgate ${config.appRole} listening on port ${config.port}`);
}
