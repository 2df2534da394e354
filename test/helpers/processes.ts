import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a TypeScript entry point of the project in a real child process (ts-node, no type check). */
export function spawnTs(
  entry: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Waits for a child to exit and returns its exit code and everything it printed. */
export function waitForExit(
  child: ChildProcess,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${timeoutMs} ms; output: ${output}`));
    }, timeoutMs);
    // 'close', not 'exit': 'exit' can come before the last of stdout/stderr has been read, and a
    // loaded machine then hands back an empty output for a process that did print.
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, output });
    });
  });
}

/** A server process started by startOnFreePort, with everything it printed so far. */
export interface PortServer {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/**
 * Starts a server (`start(port)`) on a port that was free a moment ago (freePort). Something may take
 * the port before the server listens: another server starting at once, another test run. Such a server
 * exits with EADDRINUSE, and is started again on another port. Resolves once the server says it
 * listens (`listening on port N`, main.ts) or has exited for another reason (its output says why).
 */
export async function startOnFreePort(
  start: (port: number) => ChildProcess,
  opts: { ports?: () => Promise<number>; attempts?: number; onStart?: (s: PortServer) => void } = {},
): Promise<PortServer> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const port = await (opts.ports ?? freePort)();
    const child = start(port);
    let out = '';
    let closed = false;
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => (closed = true));
    const server: PortServer = { child, port, output: () => out };
    opts.onStart?.(server);
    // Bounded by the caller's jest timeout.
    while (!closed && !out.includes(`listening on port ${port}`)) await new Promise((r) => setTimeout(r, 50));
    if (!(closed && out.includes('EADDRINUSE') && attempt < attempts)) return server;
  }
}

/** A private redis-server that a test may stop, pause (SIGSTOP) and resume. */
export async function startRedisServer(): Promise<{
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
