import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Makes sure DATABASE_URL / REDIS_URL point somewhere, starting the private services if needed. */
export function ensureServicesEnv(): void {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) return;
  const out = execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'services.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of out.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && !process.env[m[1]]) process.env[m[1]] = m[2];
  }
}
