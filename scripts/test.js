#!/usr/bin/env node
// `npm test`: runs every jest project, starting the private PostgreSQL and Redis first when
// DATABASE_URL / REDIS_URL are not given (scripts/services.sh), so a fresh machine needs nothing else.
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

// NestJS 12 and several of its companions ship as ES modules only; the tests are CommonJS (ts-jest) and
// load them with require(). Jest does that only from 30.4 on, on Node >= 24.9, and only when Node runs
// with --experimental-vm-modules (jest needs vm.SourceTextModule#hasAsyncGraph, which that flag exposes).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 9)) {
  console.error(
    `[test] Node ${process.versions.node} cannot run the tests: Node >= 24.9 is required ` +
      '(`export PATH="$(bash scripts/node24.sh):$PATH"` gets one; see the README).',
  );
  process.exit(1);
}

const root = path.resolve(__dirname, '..');
const env = { ...process.env, NODE_ENV: 'test' };
if (!env.DATABASE_URL || !env.REDIS_URL) {
  const out = execFileSync('bash', [path.join(root, 'scripts/services.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of out.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && !env[m[1]]) env[m[1]] = m[2];
  }
}
// Each run claims its own block of Redis databases (test/helpers/app.ts flushes its database), so two
// runs on one machine, e.g. two developers' or an editor's, never consume each other's queues.
const fs = require('node:fs');
const os = require('node:os');
// Databases 1-8 in blocks of four; 0 is left to a server run by hand (`npm run demo`, `npm start`),
// whose workers would otherwise take a test's jobs; 11-15 belong to the benchmarks (bench/*.ts).
const FIRST = 1;
const BLOCK = 4;
const BLOCKS = 2;
function claimRedisBlock() {
  const port = new URL(env.REDIS_URL).port || '6379';
  for (;;) {
    for (let block = 0; block < BLOCKS; block++) {
      const lock = path.join(os.tmpdir(), `jumpgate-test-redis-${port}-${block}`);
      try {
        fs.mkdirSync(lock);
      } catch {
        let owner = NaN;
        try {
          owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
          process.kill(owner, 0);
          continue; // held by a live run
        } catch {
          if (Number.isNaN(owner)) continue; // being created right now
          fs.rmSync(lock, { recursive: true, force: true }); // left by a run that died
          continue;
        }
      }
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      process.on('exit', () => fs.rmSync(lock, { recursive: true, force: true }));
      return FIRST + block * BLOCK;
    }
    console.error('[test] every block of Redis databases is in use by another test run; waiting');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
  }
}
env.JUMPGATE_TEST_REDIS_DB_BASE = String(claimRedisBlock());
env.JUMPGATE_TEST_REDIS_DBS = String(BLOCK);
// The web app's component logic runs under Vitest (web/src/**/*.test.ts[x]); everything else, the
// browser specs in web/e2e included, under jest. `npm test` alone runs both; paths pick either.
const args = process.argv.slice(2);
const isWebUnit = (a) => /^(\.\/)?web\/src(\/|$)/.test(a);
const webArgs = args.filter(isWebUnit).map((a) => a.replace(/^(\.\/)?web\//, ''));
const jestArgs = args.filter((a) => !isWebUnit(a));
const onlyWeb = webArgs.length > 0 && !jestArgs.some((a) => !a.startsWith('-'));
let status = 0;
if (args.length === 0 || webArgs.length > 0) {
  const vitest = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...webArgs],
    {
      cwd: path.join(root, 'web'),
      env,
      stdio: 'inherit',
    },
  );
  status = vitest.status ?? 1;
}
if (!onlyWeb) {
  const jest = require.resolve('jest/bin/jest');
  const r = spawnSync(process.execPath, ['--experimental-vm-modules', jest, ...jestArgs], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  status = status || (r.status ?? 1);
}
process.exit(status);
