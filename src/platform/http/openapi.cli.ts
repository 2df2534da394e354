import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../../app.module';
import { loadConfig } from '../../config/app-config';
import { buildOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi [file]`: writes the server's OpenAPI document (default `openapi.json`), the web
 * app's client is generated from it. `--check` writes nothing and exits 1 when the file differs
 * (`npm run openapi:check`, for CI without a database). Nest's preview mode reads the modules' metadata without
 * instantiating a provider, so no database, Redis or key is needed; the environment does not matter.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const out = resolve(args.find((a) => !a.startsWith('--')) ?? 'openapi.json');
  const config = loadConfig({ NODE_ENV: 'development', APP_ROLE: 'api' });
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  const document = buildOpenApiDocument(app);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  await app.close();
  if (check) {
    const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${out} is stale: run \`npm run openapi\` and commit it\n`);
      process.exit(1);
    }
    process.stdout.write(`${out} is current\n`);
    return;
  }
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out} (${Object.keys(document.paths).length} paths)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
