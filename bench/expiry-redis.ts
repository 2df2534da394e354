import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Waits until no other bench:expiry on this machine uses the Redis database, then holds it until this
 * process exits. Each run flushes the database at its start: two runs at once (two worktrees) emptied
 * each other's queues (BullMQ's "Missing key for job" and operations left to the relay).
 */
export async function claimBenchRedisDb(redisUrl: string, db: number): Promise<void> {
  const port = new URL(redisUrl).port || '6379';
  const lock = join(tmpdir(), `jumpgate-bench-redis-${port}-${db}`);
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
      return;
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
        process.kill(owner, 0);
      } catch {
        // Left by a run that died (or being created this instant: the next look tells).
        if (!Number.isNaN(owner)) rmSync(lock, { recursive: true, force: true });
      }
    }
    if (waited % 12 === 0)
      console.log(`waiting for the bench:expiry run holding Redis database ${db} to end`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}
