import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  // Benchmarks create a database per run and let the server migrate it at start: the owner role does
  // both (the restricted server role may create nothing); what they measure does not depend on the role.
  return { databaseUrl: env.DATABASE_OWNER_URL ?? env.DATABASE_URL, redisUrl: env.REDIS_URL };
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
  /** Directory Insights base (the events API): without it the server could not read events. */
  insightsUrl: string;
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

let clockTicks: number | null = null;

/** CPU time (user + system) a process has used so far, in microseconds (from /proc; null where there is none). */
export function cpuMicros(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
  } catch {
    return null;
  }
}

/** CPU time used so far by each live `postgres` process (the private cluster's), in microseconds by pid. */
export function postgresCpuMicros(): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const us = cpuMicros(Number(pid));
    if (us !== null) out.set(Number(pid), us);
  }
  return out;
}

/**
 * Postgres CPU used since `before`, in microseconds: by the processes alive now (a backend that
 * started in between counts in full). One that exited in between takes its share with it; the pooled
 * sessions that do the work live on.
 */
export function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, us] of postgresCpuMicros()) total += us - (before.get(pid) ?? 0);
  return total;
}

/** Peak resident set size of a process so far, from /proc (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Resident set size of a process now (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
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

/** The compiled emulator with an organisation of these sizes, on a free port. */
export async function startOrgEmulator(org: {
  seed: number;
  users: number;
  groups: number;
  membershipsPerUser: number;
  admins: number;
  apps: number;
}): Promise<EmulatorProcess> {
  return startEmulatorProcess([
    '--port',
    String(await freePort()),
    '--seed',
    String(org.seed),
    '--users',
    String(org.users),
    '--groups',
    String(org.groups),
    '--memberships-per-user',
    String(org.membershipsPerUser),
    '--admins',
    String(org.admins),
    '--apps',
    String(org.apps),
  ]);
}

/**
 * What bench:sync, bench:campaign and bench:api start from: a fresh database, the emulator serving a
 * generated organisation (seed 1), and a port and an admin token for the server.
 */
export async function prepareBench(
  label: string,
  org: { users: number; groups: number; membershipsPerUser: number; admins: number; apps: number },
): Promise<{ databaseUrl: string; redisUrl: string; emu: EmulatorProcess; port: number; token: string }> {
  const { databaseUrl: base, redisUrl } = servicesEnv();
  const databaseUrl = await freshDatabase(base, label);
  const emu = await startOrgEmulator({ seed: 1, ...org });
  return { databaseUrl, redisUrl, emu, port: await freePort(), token: randomToken() };
}

/** JumpCloud requests in flight per connection when a benchmark turns the client's rate limit off. */
export const LIMIT_OFF_MAX_CONCURRENT = 16;

/**
 * The compiled jumpgate server (APP_ROLE=all) against an emulator, in a process of its own. Each
 * benchmark gives its own Redis database so that queues are never shared between benchmarks.
 */
export function spawnServer(o: {
  databaseUrl: string;
  redisUrl: string;
  redisDb: number;
  port: number;
  token: string;
  emu: EmulatorProcess;
  /** The emulator is local: by default the per-connection limits are not what is measured. */
  clientLimitOff?: boolean;
  nodeArgs?: string[];
  /** More environment for the server (e.g. SMTP_URL for bench:notify). */
  env?: Record<string, string>;
}): ChildProcess {
  return spawn(process.execPath, [...(o.nodeArgs ?? []), join(ROOT, 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: `${o.redisUrl.replace(/\/\d+$/, '')}/${o.redisDb}`,
      ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
      BOOTSTRAP_ADMIN_TOKEN: o.token,
      PORT: String(o.port),
      SYNC_INTERVAL_MINUTES: '0',
      JUMPCLOUD_API_URL: o.emu.apiUrl,
      JUMPCLOUD_OAUTH_TOKEN_URL: o.emu.tokenUrl,
      JUMPCLOUD_INSIGHTS_URL: o.emu.insightsUrl,
      ...((o.clientLimitOff ?? true)
        ? // JUMPCLOUD_REQUESTS_PER_SECOND unset: no requests/s cap (API.md); only the in-flight ceiling.
          { JUMPCLOUD_MAX_CONCURRENT: String(LIMIT_OFF_MAX_CONCURRENT) }
        : {}),
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** `--cpu-prof DIR`: node arguments that make the server write a V8 CPU profile there when it exits. */
export function cpuProfileArgs(): string[] {
  const i = process.argv.indexOf('--cpu-prof');
  return i >= 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[i + 1]] : [];
}

export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  bearer?: string,
) => Promise<Record<string, unknown>>;

/** A JSON client for the server's API (throws on any non-2xx), and a poller on top of it. */
export function apiClient(
  port: number,
  token: string,
): {
  call: ApiCall;
  poll: (path: string, done: (r: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
} {
  const api = `http://127.0.0.1:${port}`;
  const call: ApiCall = async (method, path, body, bearer = token) => {
    const res = await fetch(api + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  // From 10 ms up to 100 ms between reads: a run of a few hundred milliseconds (an incremental sync)
  // is timed to about its length, not to the next tenth of a second; long runs are not read 10 times a second.
  const poll = async (path: string, done: (r: Record<string, unknown>) => boolean) => {
    for (let wait = 10; ; wait = Math.min(100, Math.round(wait * 1.5))) {
      const r = await call('GET', path);
      if (done(r)) return r;
      await new Promise((res) => setTimeout(res, wait));
    }
  };
  return { call, poll };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** The benchmark's connection to the emulated organisation (its service account); returns its id. */
export async function createBenchConnection(call: ApiCall, emu: EmulatorProcess): Promise<string> {
  const conn = await call('POST', '/api/v1/connections', {
    name: 'bench',
    orgId: emu.credentials.orgId,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
  });
  return conn.id as string;
}

/**
 * One sync of the connection through the API, waited for: the finished run, or an error if it failed.
 * `mode` as API.md's POST body (none: the server's default, `auto`).
 */
export async function syncOnce(
  client: ApiClient,
  connectionId: string,
  mode?: 'auto' | 'full' | 'incremental',
): Promise<Record<string, unknown>> {
  const run = await client.call(
    'POST',
    `/api/v1/connections/${connectionId}/syncs`,
    mode === undefined ? undefined : { mode },
  );
  const done = await client.poll(
    `/api/v1/syncs/${run.id as string}`,
    (r) => r.status !== 'queued' && r.status !== 'running',
  );
  if (done.status !== 'succeeded') throw new Error(`sync failed: ${String(done.error)}`);
  return done;
}

/** Stops a benchmark's processes and drops its database (unless kept). */
export async function cleanUp(o: {
  processes: (ChildProcess | null)[];
  databaseUrl: string;
  keepDatabase?: boolean;
}): Promise<void> {
  for (const p of o.processes) p?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  if (o.keepDatabase) console.log(`kept database: ${o.databaseUrl}`);
  else await dropDatabase(o.databaseUrl);
}

/** Runs a benchmark's main, exiting 1 with the error when it throws. */
export function run(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

/** One entry of the emulator's request log (`GET /__emulator/requests`). */
export interface EmulatorLogEntry {
  seq: number;
  method: string;
  route: string;
  path: string;
  /** A membership write's body: `{op, type, id}`. */
  body?: { op?: string; id?: string };
}

/**
 * Keeps at least `keep` entries in the emulator's request log from now on and returns the sequence
 * number to read it from (`emulatorRequests`), so a run's JumpCloud calls can be counted one by one.
 */
export async function emulatorLogMark(emu: EmulatorProcess, keep: number): Promise<number> {
  await fetch(`${emu.url}/__emulator/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requestLogSize: keep }),
  });
  const last = (await (await fetch(`${emu.url}/__emulator/requests?limit=1`)).json()) as EmulatorLogEntry[];
  return last[0]?.seq ?? 0;
}

export async function emulatorRequests(emu: EmulatorProcess, since: number): Promise<EmulatorLogEntry[]> {
  return (await (await fetch(`${emu.url}/__emulator/requests?since=${since}`)).json()) as EmulatorLogEntry[];
}

/**
 * Membership writes (`POST /v2/usergroups/{id}/members`) of one op, counted per JumpCloud user id
 * (of one group when given its JumpCloud id).
 */
export function membershipWritesPerUser(
  log: EmulatorLogEntry[],
  op: 'add' | 'remove',
  groupExternalId?: string,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of log) {
    if (e.method !== 'POST' || !e.route.endsWith('/usergroups/:group_id/members') || e.body?.op !== op)
      continue;
    if (groupExternalId !== undefined && !e.path.includes(`/usergroups/${groupExternalId}/`)) continue;
    const user = e.body.id ?? '';
    out.set(user, (out.get(user) ?? 0) + 1);
  }
  return out;
}
