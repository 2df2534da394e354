/**
 * Per-connection limits: at most `maxConcurrent` requests in flight and a token bucket of
 * `requestsPerSecond`, with bursts of a tenth of a second's budget. Written here rather than with
 * Bottleneck because Bottleneck schedules each job through timers and tops out near 500 jobs/s in
 * this process (measured: ~2 ms per job at any concurrency), far below what a large sync needs.
 * Waiters are served in arrival order.
 */
export class ConnectionLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private last = performance.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private maxConcurrent: number,
    private requestsPerSecond: number,
  ) {
    this.tokens = this.burst;
  }

  private get burst(): number {
    return Math.max(1, this.requestsPerSecond / 10);
  }

  update(maxConcurrent: number, requestsPerSecond: number): void {
    this.maxConcurrent = maxConcurrent;
    this.requestsPerSecond = requestsPerSecond;
    this.tokens = Math.min(this.tokens, this.burst);
    this.drain();
  }

  async schedule<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.active--;
      this.drain();
    }
  }

  /** Requests running and waiting, for observability. */
  get counts(): { running: number; queued: number } {
    return { running: this.active, queued: this.waiting.length };
  }

  private acquire(): Promise<void> {
    if (this.waiting.length === 0 && this.active < this.maxConcurrent && this.takeToken()) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  private takeToken(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.requestsPerSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.active < this.maxConcurrent) {
      if (!this.takeToken()) {
        if (this.timer === null) {
          const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.requestsPerSecond));
          this.timer = setTimeout(() => {
            this.timer = null;
            this.drain();
          }, waitMs);
        }
        return;
      }
      this.active++;
      const next = this.waiting.shift();
      next?.();
    }
  }
}
