import { ConnectionLimiter, type LimiterClock, type LimiterOutcome } from './jumpcloud.limiter';

/** A clock that moves only when told, firing due timers in order. */
class ManualClock implements LimiterClock {
  private t = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): void {
    this.timers.push({ at: this.t + ms, seq: this.seq++, fn });
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every promise continuation that is ready run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Requests whose answers the test gives by hand: a status, where 429 is congestion. */
function harness(limiter: ConnectionLimiter, clock: ManualClock | null = null) {
  const started: { label: string; at: number; answer: (status: number) => void }[] = [];
  const classify = (status: number): LimiterOutcome =>
    status === 429 ? 'congested' : status >= 500 ? 'neutral' : 'ok';
  const submit = (label: string, delayMs = 0): Promise<number> =>
    limiter.schedule(
      () => new Promise<number>((resolve) => started.push({ label, at: clock?.now() ?? 0, answer: resolve })),
      { classify, delayMs },
    );
  const submitMany = (n: number, prefix = 'r') =>
    Array.from({ length: n }, (_, i) => submit(`${prefix}${i}`));
  const running = () => limiter.snapshot.running;
  return { started, submit, submitMany, running };
}

const noCap = (maxConcurrent: number) => ({ maxConcurrent, requestsPerSecond: null });

describe('ConnectionLimiter', () => {
  it('never runs more than the limit at once and serves everyone in arrival order', async () => {
    const limiter = new ConnectionLimiter(noCap(3), new ManualClock());
    const h = harness(limiter);
    const all = h.submitMany(10);
    await settle();
    expect(h.started.map((s) => s.label)).toEqual(['r0', 'r1', 'r2']);
    for (let i = 0; i < 10; i++) {
      expect(h.running()).toBeLessThanOrEqual(3);
      h.started[i].answer(200);
      await settle();
    }
    expect(await Promise.all(all)).toEqual(Array(10).fill(200));
    expect(h.started.map((s) => s.label)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(limiter.snapshot).toMatchObject({ running: 0, queued: 0, limit: 3, decreases: 0 });
  });

  it('a 429 halves the limit; each later congested window halves again, never below 1', async () => {
    const limiter = new ConnectionLimiter(noCap(8), new ManualClock());
    const h = harness(limiter);
    const answer = async (label: string, status: number) => {
      const s = h.started.find((x) => x.label === label);
      if (s === undefined) throw new Error(`${label} has not started`);
      s.answer(status);
      await settle();
      return limiter.snapshot.limit;
    };
    void h.submitMany(20);
    await settle();
    expect(h.running()).toBe(8);
    expect(await answer('r0', 429)).toBe(4);
    // r1..r7 were started before the decrease; only once they are done do new ones start, four at most.
    for (let i = 1; i < 8; i++) await answer(`r${i}`, 200);
    expect(h.started.map((s) => s.label).slice(8)).toEqual(['r8', 'r9', 'r10', 'r11']);
    expect(await answer('r8', 429)).toBe(2);
    for (const l of ['r9', 'r10', 'r11']) await answer(l, 200);
    expect(await answer('r12', 429)).toBe(1);
    await answer('r13', 200);
    expect(await answer('r14', 429)).toBe(1);
    expect(limiter.snapshot).toMatchObject({ lowest: 1, decreases: 4, running: 1 });
  });

  it('several 429s from one window halve once', async () => {
    const limiter = new ConnectionLimiter(noCap(8), new ManualClock());
    const h = harness(limiter);
    void h.submitMany(8);
    await settle();
    for (const s of h.started) {
      s.answer(429);
      await settle();
    }
    expect(limiter.snapshot).toMatchObject({ limit: 4, decreases: 1 });
  });

  it('grows back by one per window of successes, up to the ceiling and no further', async () => {
    const limiter = new ConnectionLimiter(noCap(8), new ManualClock());
    const h = harness(limiter);
    void h.submitMany(1, 'x');
    await settle();
    h.started[0].answer(429);
    await settle();
    expect(limiter.snapshot.limit).toBe(4);
    // Keep the queue full and answer 200 to one request at a time; note the limit after each.
    void h.submitMany(60, 'y');
    await settle();
    const seen: number[] = [];
    for (let i = 1; i < h.started.length && i <= 40; i++) {
      h.started[i].answer(200);
      await settle();
      seen.push(limiter.snapshot.limit);
      expect(h.running()).toBeLessThanOrEqual(limiter.snapshot.limit);
    }
    // 4 successes → 5, 5 more → 6, 6 more → 7, 7 more → 8 (22 answers); then it stays at the ceiling.
    expect(seen.indexOf(5)).toBe(3);
    expect(seen.indexOf(6)).toBe(8);
    expect(seen.indexOf(7)).toBe(14);
    expect(seen.indexOf(8)).toBe(21);
    expect(Math.max(...seen)).toBe(8);
    expect(h.running()).toBe(8);
  });

  it('answers to requests started before a decrease neither halve again nor count toward growth', async () => {
    const limiter = new ConnectionLimiter(noCap(4), new ManualClock());
    const h = harness(limiter);
    void h.submitMany(4, 'old');
    await settle();
    h.started[0].answer(429);
    await settle();
    expect(limiter.snapshot.limit).toBe(2);
    // Three old requests succeed: at limit 2 two new-window successes would grow it, old ones must not.
    for (const s of h.started.slice(1, 4)) s.answer(200);
    await settle();
    expect(limiter.snapshot.limit).toBe(2);
  });

  it('5xx answers and thrown errors leave the limit alone and release their slot', async () => {
    const limiter = new ConnectionLimiter(noCap(2), new ManualClock());
    const h = harness(limiter);
    void h.submitMany(2);
    await settle();
    h.started[0].answer(503);
    h.started[1].answer(500);
    await settle();
    await expect(limiter.schedule(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.snapshot).toMatchObject({ limit: 2, decreases: 0, running: 0 });
    await expect(limiter.schedule(async () => 'ok')).resolves.toBe('ok');
  });

  it('a retry waits out its Retry-After without holding a slot, then goes before fresh requests', async () => {
    const clock = new ManualClock();
    const limiter = new ConnectionLimiter(noCap(1), clock);
    const h = harness(limiter, clock);
    const retry = h.submit('retry', 1_000);
    void h.submit('fresh-1');
    await settle();
    // The slot is free for others while the retry waits.
    expect(h.started.map((s) => s.label)).toEqual(['fresh-1']);
    void h.submit('fresh-2');
    await clock.advance(999);
    expect(h.started.map((s) => s.label)).toEqual(['fresh-1']);
    await clock.advance(1);
    h.started[0].answer(200);
    await settle();
    expect(h.started.map((s) => `${s.label}@${s.at}`)).toEqual(['fresh-1@0', 'retry@1000']);
    h.started[1].answer(200);
    await expect(retry).resolves.toBe(200);
    await settle();
    expect(h.started.map((s) => s.label)).toEqual(['fresh-1', 'retry', 'fresh-2']);
  });

  it('without requests/s configured, nothing but concurrency holds requests back', async () => {
    const clock = new ManualClock();
    const limiter = new ConnectionLimiter(noCap(500), clock);
    const h = harness(limiter, clock);
    void h.submitMany(500);
    await settle();
    expect(h.started).toHaveLength(500);
    expect(h.started.every((s) => s.at === 0)).toBe(true);
  });

  it('with requests/s configured, starts are spaced to it after a burst of a tenth of a second', async () => {
    const clock = new ManualClock();
    const limiter = new ConnectionLimiter({ maxConcurrent: 100, requestsPerSecond: 50 }, clock);
    const h = harness(limiter, clock);
    void h.submitMany(15);
    await settle();
    expect(h.started).toHaveLength(5);
    await clock.advance(1_000);
    expect(h.started.map((s) => s.at)).toEqual([0, 0, 0, 0, 0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
  });

  it('new settings keep the learnt limit within the new ceiling and can remove the cap', async () => {
    const clock = new ManualClock();
    const limiter = new ConnectionLimiter({ maxConcurrent: 8, requestsPerSecond: 10 }, clock);
    const h = harness(limiter, clock);
    void h.submit('a');
    await settle();
    h.started[0].answer(429);
    await settle();
    expect(limiter.snapshot.limit).toBe(4);
    limiter.update({ maxConcurrent: 2, requestsPerSecond: null });
    expect(limiter.snapshot).toMatchObject({ limit: 2, ceiling: 2 });
    void h.submitMany(3, 'b');
    await settle();
    expect(h.running()).toBe(2);
    expect(() => limiter.update({ maxConcurrent: 0, requestsPerSecond: null })).toThrow(RangeError);
    expect(() => new ConnectionLimiter({ maxConcurrent: 4, requestsPerSecond: 0 })).toThrow(RangeError);
  });
});
