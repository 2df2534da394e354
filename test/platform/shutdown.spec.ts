import { createTestDatabase } from '../helpers/database';
import { TEST_ENCRYPTION_KEY } from '../helpers/app';
import { freePort, spawnTs, startRedisServer, waitForExit } from '../helpers/processes';

/**
 * A process with workers (APP_ROLE=all) asked to stop while Redis is down must still stop: BullMQ's
 * worker close waits for Redis, so main.ts gives a graceful stop a deadline.
 */
describe('shutdown while Redis is down', () => {
  it('exits after SIGTERM instead of hanging', async () => {
    const redis = await startRedisServer();
    const db = await createTestDatabase();
    const port = await freePort();
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'test',
      APP_ROLE: 'all',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      MIGRATIONS_RUN: 'false',
      PORT: String(port),
    });
    const exited = waitForExit(child, 120_000);
    try {
      const deadline = Date.now() + 100_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error('server did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      await redis.stop();
      await new Promise((r) => setTimeout(r, 500));
      const stopAsked = Date.now();
      child.kill('SIGTERM');
      const { code } = await exited;
      expect(code).not.toBeNull();
      // The 10-second deadline plus start-up slack; without it the process never exits.
      expect(Date.now() - stopAsked).toBeLessThan(20_000);
    } finally {
      child.kill('SIGKILL');
      await redis.stop();
      await db.drop();
    }
    // Compiling and starting src/main.ts took over 40 s on a loaded CI machine; the stop itself is bounded above.
  }, 150_000);
});
