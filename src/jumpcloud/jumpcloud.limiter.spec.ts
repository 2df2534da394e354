import { ConnectionLimiter } from './jumpcloud.limiter';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionLimiter', () => {
  it('never runs more than maxConcurrent at once and serves everyone', async () => {
    const limiter = new ConnectionLimiter(3, 1_000_000);
    let running = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.schedule(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick(5);
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.counts).toEqual({ running: 0, queued: 0 });
  });

  it('spaces starts to the requests-per-second budget after a small burst', async () => {
    const limiter = new ConnectionLimiter(100, 50);
    const starts: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 15 }, () =>
        limiter.schedule(async () => void starts.push(performance.now() - t0)),
      ),
    );
    // Burst of 5 (a tenth of a second at 50/s), then one per 20 ms: the 15th starts near 200 ms.
    expect(starts.slice(0, 5).every((s) => s < 15)).toBe(true);
    expect(starts[14]).toBeGreaterThanOrEqual(190);
    expect(starts[14]).toBeLessThan(400);
  });

  it('releases the slot when a job fails', async () => {
    const limiter = new ConnectionLimiter(1, 1_000_000);
    await expect(limiter.schedule(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.schedule(async () => 'ok')).resolves.toBe('ok');
  });
});
