import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTs, waitForExit } from '../helpers/processes';

jest.setTimeout(120_000);

const KEY = Buffer.alloc(32, 7).toString('base64');
const PASSWORD = 'pw-Sekrit-4711';

/**
 * The real entry point in production mode with a bad environment: it must stop before touching
 * anything, name the variable, and never print a password. Every command that could start a local
 * service is shadowed on PATH by a stub that leaves a mark, so starting one would be seen.
 */
describe('start-up in production with a bad environment', () => {
  let stubs: string;
  let marker: string;

  beforeAll(() => {
    stubs = mkdtempSync(join(tmpdir(), 'jg-stubs-'));
    marker = join(stubs, 'started-something');
    for (const cmd of ['bash', 'sh', 'docker', 'redis-server', 'pg_ctl', 'initdb', 'postgres']) {
      const file = join(stubs, cmd);
      writeFileSync(
        file,
        `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(marker)}, '${cmd}\\n');\n`,
      );
      chmodSync(file, 0o755);
    }
  });

  afterAll(() => rmSync(stubs, { recursive: true, force: true }));

  async function start(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      PATH: `${stubs}:${process.env.PATH ?? ''}`,
      PORT: '0',
      ...env,
    });
    return waitForExit(child, 60_000);
  }

  const good = {
    DATABASE_URL: `postgres://jumpgate:${PASSWORD}@127.0.0.1:54329/jumpgate`,
    REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:63799`,
    ENCRYPTION_KEY: KEY,
  };

  // The cases run concurrently: each is a separate process that exits on its own.
  let results: Record<string, { code: number | null; output: string }>;
  beforeAll(async () => {
    const cases: Record<string, Record<string, string>> = {
      malformedDatabaseUrl: {
        ...good,
        DATABASE_URL: `postgres://jumpgate:${PASSWORD}@db.example:notaport/x`,
      },
      wrongSchemeDatabaseUrl: { ...good, DATABASE_URL: `mysql://jumpgate:${PASSWORD}@127.0.0.1/jumpgate` },
      missingDatabaseUrl: { REDIS_URL: good.REDIS_URL, ENCRYPTION_KEY: KEY },
      missingRedisUrl: { DATABASE_URL: good.DATABASE_URL, ENCRYPTION_KEY: KEY },
      missingEncryptionKey: { DATABASE_URL: good.DATABASE_URL, REDIS_URL: good.REDIS_URL },
      shortEncryptionKey: { ...good, ENCRYPTION_KEY: Buffer.alloc(16, 1).toString('base64') },
      zeroMaxConcurrent: { ...good, JUMPCLOUD_MAX_CONCURRENT: '0' },
      wordyRequestsPerSecond: { ...good, JUMPCLOUD_REQUESTS_PER_SECOND: 'fast' },
    };
    const entries = await Promise.all(
      Object.entries(cases).map(async ([name, env]) => [name, await start(env)] as const),
    );
    results = Object.fromEntries(entries);
  });

  it.each([
    ['malformedDatabaseUrl', 'DATABASE_URL'],
    ['wrongSchemeDatabaseUrl', 'DATABASE_URL'],
    ['missingDatabaseUrl', 'DATABASE_URL'],
    ['missingRedisUrl', 'REDIS_URL'],
    ['missingEncryptionKey', 'ENCRYPTION_KEY'],
    ['shortEncryptionKey', 'ENCRYPTION_KEY'],
    ['zeroMaxConcurrent', 'JUMPCLOUD_MAX_CONCURRENT must be between 1 and 256'],
    ['wordyRequestsPerSecond', 'JUMPCLOUD_REQUESTS_PER_SECOND must be an integer'],
  ])('%s: exits non-zero naming %s, without the password', (name, variable) => {
    const { code, output } = results[name];
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain(variable);
    expect(output).not.toContain(PASSWORD);
  });

  it('never starts a local service in production', () => {
    expect(existsSync(marker)).toBe(false);
  });
});
