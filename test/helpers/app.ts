import { NestFactory } from '@nestjs/core';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Writable } from 'node:stream';
import { AppModule } from '../../src/app.module';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import { configureApp, createFastifyAdapter } from '../../src/platform/http/configure-app';
import { createTestDatabase, databaseUrlFor, ownerBaseUrl } from './database';

export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 42).toString('base64');

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  /** The app's own connection: the restricted server role when DATABASE_OWNER_URL is set. */
  databaseUrl: string;
  /** The same database as the role that owns its schema (what migrations run as). */
  ownerDatabaseUrl: string;
  databaseName: string;
  redisUrl: string;
  /** Every log line the application wrote. */
  logs: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
  request<T = any>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

/**
 * The Redis database of this jest worker, inside the block of databases this test run claimed
 * (scripts/test.js): files in one worker run one after another, and other runs use other blocks.
 */
export function testRedisUrl(): string {
  const base = process.env.REDIS_URL;
  if (!base) throw new Error('REDIS_URL is not set (run the tests with npm test)');
  const first = Number(process.env.JUMPGATE_TEST_REDIS_DB_BASE ?? '0');
  const count = Number(process.env.JUMPGATE_TEST_REDIS_DBS ?? '16');
  const u = new URL(base);
  u.pathname = `/${first + ((Number(process.env.JEST_WORKER_ID ?? '1') - 1) % count)}`;
  return u.toString();
}

export async function flushTestRedis(url = testRedisUrl()): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  await r.flushdb();
  r.disconnect();
}

/**
 * Boots the real application (HTTP and workers) on a fresh database and this worker's Redis.
 * With `options.databaseUrl` it uses that database instead (several apps on one database, as a
 * cluster would be); the caller then owns that database and `close()` leaves it in place.
 * With `options.port` it listens there (see freePort in processes.ts).
 */
export async function startApp(
  env: Record<string, string> = {},
  options: { databaseUrl?: string; webDistDir?: string | null; port?: number } = {},
): Promise<TestApp> {
  const db = options.databaseUrl
    ? {
        url: options.databaseUrl,
        name: new URL(options.databaseUrl).pathname.slice(1),
        ownerUrl: databaseUrlFor(new URL(options.databaseUrl).pathname.slice(1), ownerBaseUrl()),
        drop: async () => undefined,
      }
    : await createTestDatabase();
  const redisUrl = env.REDIS_URL ?? testRedisUrl();
  if (!env.REDIS_URL) await flushTestRedis(redisUrl);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    MIGRATIONS_RUN: 'false',
    SYNC_INTERVAL_MINUTES: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { logStream }),
    createFastifyAdapter(config),
    { bufferLogs: true },
  );
  await configureApp(app, config, options.webDistDir);
  // A fixed port when the URL must be known before start (PUBLIC_URL, an OpenID redirect URI).
  await app.listen(options.port ?? 0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    url,
    databaseUrl: db.url,
    ownerDatabaseUrl: db.ownerUrl,
    databaseName: db.name,
    redisUrl,
    logs,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed as never, text };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
