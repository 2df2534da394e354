#!/usr/bin/env node
// `npm test`: runs every jest project, starting the private PostgreSQL and Redis first when
// DATABASE_URL / REDIS_URL are not given (scripts/services.sh), so a fresh machine needs nothing else.
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

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
const jest = require.resolve('jest/bin/jest');
const r = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
