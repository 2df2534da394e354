import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { type AppConfig, ConfigError, loadConfig } from './config/app-config';
import { runMigrations } from './platform/database/migrate';
import { configureApp, createFastifyAdapter } from './platform/http/configure-app';

function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    // The message names the variable and never its value (a URL may hold a password).
    console.error(err instanceof ConfigError ? err.message : 'Invalid environment');
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.migrationsRun) {
    await runMigrations(config.databaseUrl);
  }
  const module = AppModule.forRoot(config);
  if (config.appRole === 'worker') {
    const ctx = await NestFactory.createApplicationContext(module, { bufferLogs: true });
    ctx.useLogger(ctx.get(Logger));
    ctx.enableShutdownHooks();
    ctx.get(Logger).log('jumpgate worker started');
    return;
  }
  const app = await NestFactory.create<NestFastifyApplication>(module, createFastifyAdapter(config), {
    bufferLogs: true,
  });
  await configureApp(app, config);
  await app.listen(config.port, '0.0.0.0');
  app.get(Logger).log(`jumpgate ${config.appRole} listening on port ${config.port}`);
}

bootstrap().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  // Connection errors can quote the URL; never let a password reach the terminal.
  console.error(
    `jumpgate failed to start: ${message.replace(/(:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1[REDACTED]@')}`,
  );
  process.exit(1);
});
