import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';

export const ROOT = join(__dirname, '..', '..');

/** DATABASE_URL and REDIS_URL of the private local services (started when not given). */
export function servicesEnv(): { databaseUrl: string; redisUrl: string } {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) {
    return { databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL };
  }
  const out = execFileSync('bash', [join(ROOT, 'scripts/services.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env = Object.fromEntries(
    out
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL };
}

/** A fresh database for one benchmark run, owned by the application role. */
export async function freshDatabase(baseUrl: string, label: string): Promise<string> {
  const name = `bench_${label}_${Date.now().toString(36)}`;
  const c = new Client({ connectionString: baseUrl });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const base = new URL(url);
  base.pathname = '/postgres';
  const c = new Client({ connectionString: base.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
  await c.end();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  apiUrl: string;
  tokenUrl: string;
  credentials: { orgId: string; apiKey: string; clientId: string; clientSecret: string };
  startedInMs: number;
}

/** The compiled emulator in a process of its own, so its memory is not counted as jumpgate's. */
export async function startEmulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=4096', join(ROOT, 'dist/src/emulator/main.js'), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as Omit<EmulatorProcess, 'child'>) };
}

/** Peak resident set size of a process so far, from /proc (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export function randomToken(): string {
  return `bench-${randomBytes(24).toString('hex')}`;
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function writeResult(name: string, result: unknown, markdown: string): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  writeFileSync(join(dir, `${name}-${stamp}.md`), markdown);
  return file;
}

export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
}

/**
 * Runs one bare ceiling script (`dist/bench/ceilings/<name>.js`) in a process of its own and returns
 * the JSON line it prints (its parameters and figures).
 */
export function runCeiling<T = Record<string, unknown>>(name: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/bench/ceilings', `${name}.js`), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`ceiling ${name} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

export const ratio = (a: number, b: number): number => Number((a / Math.max(b, 1)).toFixed(2));
