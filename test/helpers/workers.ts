import { type ChildProcess } from 'node:child_process';
import { type RunningEmulator } from '../../src/emulator';
import { TEST_ENCRYPTION_KEY, type TestApp } from './app';
import { emulatorEnv } from './jumpcloud';
import { spawnTs } from './processes';

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A real `APP_ROLE=worker` process on the test app's database and Redis. */
export async function startWorker(
  t: TestApp,
  emu: RunningEmulator,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawnTs('src/main.ts', {
    ...emulatorEnv(emu),
    NODE_ENV: 'test',
    APP_ROLE: 'worker',
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: t.redisUrl,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    MIGRATIONS_RUN: 'false',
    SYNC_INTERVAL_MINUTES: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.join('').includes('worker started')) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${output.join('')}`);
    if (Date.now() > deadline) throw new Error(`worker did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
