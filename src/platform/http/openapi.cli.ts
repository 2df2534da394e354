import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../../app.module';
import { loadConfig } from '../../config/app-config';
import { buildOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi [file]`: writes the server's OpenAPI document (default `openapi.json`), the web
 * app's client is generated from it. Nest's preview mode reads the modules' metadata without
 * instantiating a provider, so no database, Redis or key is needed; the environment does not matter.
 */
async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'openapi.json');
  const config = loadConfig({ NODE_ENV: 'development', APP_ROLE: 'api' });
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  const document = buildOpenApiDocument(app);
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${out} (${Object.keys(document.paths).length} paths)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
