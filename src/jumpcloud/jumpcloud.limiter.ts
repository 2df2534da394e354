/** Time as the limiter sees it; tests pass a hand-driven clock. */
export interface LimiterClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimer(fn: () => void, ms: number): void;
}

export const realClock: LimiterClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => void setTimeout(fn, ms),
};

export interface LimiterSettings {
  /** The ceiling of the adaptive concurrency (JUMPCLOUD_MAX_CONCURRENT). */
  maxConcurrent: number;
  /** A fixed cap of starts per second; null = none (JUMPCLOUD_REQUESTS_PER_SECOND unset). */
  requestsPerSecond: number | null;
}

/** What an answer says about the connection: `congested` is a 429; `neutral` (5xx, network) says nothing. */
export type LimiterOutcome = 'ok' | 'congested' | 'neutral';

export interface ScheduleOptions<T> {
  /** Reads the result; without it every result counts as `ok`. A thrown error is `neutral`. */
  classify?: (result: T) => LimiterOutcome;
  /** Start no sooner than this (a retry waiting for Retry-After or its backoff), holding no slot meanwhile. */
  delayMs?: number;
}

/** The adaptive limit and its traffic, for observation (tests, benchmarks, logs). */
export interface LimiterSnapshot {
  /** Requests allowed in flight now (1..ceiling). */
  limit: number;
  ceiling: number;
  /** The fixed requests/s cap, or null when none is configured. */
  requestsPerSecond: number | null;
  running: number;
  queued: number;
  /** Congestion events so far (each halved the limit once). */
  decreases: number;
  /** The lowest the limit has been. */
  lowest: number;
}

interface Waiter {
  start: (epoch: number) => void;
}

/**
 * Per-connection limits with additive increase, multiplicative decrease (TCP's congestion
 * avoidance, here on requests in flight): JumpCloud publishes no rate numbers, so instead of a
 * guessed fixed cap the limit starts at the ceiling, halves (not below 1) on a 429, and grows back
 * by one after each window of `limit` successful answers. A window is the requests started since
 * the last decrease: a 429 to a request started before it belongs to the congestion already acted
 * on, so a burst of 429s from one window halves once. A requests/s token bucket (bursts of a tenth
 * of a second's budget) applies only when configured. Waiters start in arrival order; a retry whose
 * delay has passed goes before fresh requests, so a listing is not starved behind new work.
 * Written here rather than with Bottleneck, which schedules each job through timers and tops out
 * near 500 jobs/s in this process (measured: ~2 ms per job), far below what a large sync needs.
 */
export class ConnectionLimiter {
  private ceiling: number;
  private requestsPerSecond: number | null;
  private current: number;
  private lowest: number;
  private decreases = 0;
  /** Bumped on each decrease; a request remembers the epoch it started in. */
  private epoch = 0;
  /** Successes of this epoch's requests since the last change of the limit. */
  private successes = 0;
  private active = 0;
  private readonly waiting: Waiter[] = [];
  private tokens: number;
  private last: number;
  private timerSet = false;

  constructor(
    settings: LimiterSettings,
    private readonly clock: LimiterClock = realClock,
  ) {
    checkSettings(settings);
    this.ceiling = Math.floor(settings.maxConcurrent);
    this.requestsPerSecond = settings.requestsPerSecond;
    this.current = this.ceiling;
    this.lowest = this.ceiling;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private get burst(): number {
    return this.requestsPerSecond === null ? Infinity : Math.max(1, this.requestsPerSecond / 10);
  }

  /** New settings (an edited connection): the limit keeps what it learnt, within the new ceiling. */
  update(settings: LimiterSettings): void {
    checkSettings(settings);
    this.ceiling = Math.floor(settings.maxConcurrent);
    this.current = Math.min(this.current, this.ceiling);
    this.lowest = Math.min(this.lowest, this.current);
    if (settings.requestsPerSecond !== this.requestsPerSecond) {
      this.requestsPerSecond = settings.requestsPerSecond;
      this.tokens = Math.min(this.tokens, this.burst);
      this.last = this.clock.now();
    }
    this.drain();
  }

  get snapshot(): LimiterSnapshot {
    return {
      limit: this.current,
      ceiling: this.ceiling,
      requestsPerSecond: this.requestsPerSecond,
      running: this.active,
      queued: this.waiting.length,
      decreases: this.decreases,
      lowest: this.lowest,
    };
  }

  async schedule<T>(fn: () => Promise<T>, opts: ScheduleOptions<T> = {}): Promise<T> {
    const delayMs = opts.delayMs ?? 0;
    if (delayMs > 0) await new Promise<void>((r) => this.clock.setTimer(r, delayMs));
    const epoch = await this.acquire(delayMs > 0);
    let outcome: LimiterOutcome = 'neutral';
    try {
      const result = await fn();
      outcome = opts.classify ? opts.classify(result) : 'ok';
      return result;
    } finally {
      this.active--;
      this.feedback(epoch, outcome);
      this.drain();
    }
  }

  private feedback(epoch: number, outcome: LimiterOutcome): void {
    // Answers to requests started before the last decrease tell nothing new.
    if (epoch !== this.epoch || outcome === 'neutral') return;
    if (outcome === 'congested') {
      this.current = Math.max(1, Math.floor(this.current / 2));
      this.lowest = Math.min(this.lowest, this.current);
      this.decreases++;
      this.epoch++;
      this.successes = 0;
      return;
    }
    if (this.current >= this.ceiling) return;
    if (++this.successes >= this.current) {
      this.current++;
      this.successes = 0;
    }
  }

  private acquire(priority: boolean): Promise<number> {
    if (this.waiting.length === 0 && this.active < this.current && this.takeToken()) {
      this.active++;
      return Promise.resolve(this.epoch);
    }
    return new Promise((resolve) => {
      const w = { start: resolve };
      if (priority) this.waiting.unshift(w);
      else this.waiting.push(w);
      this.drain();
    });
  }

  private takeToken(): boolean {
    if (this.requestsPerSecond === null) return true;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.requestsPerSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.active < this.current) {
      if (!this.takeToken()) {
        if (!this.timerSet && this.requestsPerSecond !== null) {
          const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.requestsPerSecond));
          this.timerSet = true;
          this.clock.setTimer(() => {
            this.timerSet = false;
            this.drain();
          }, waitMs);
        }
        return;
      }
      this.active++;
      this.waiting.shift()?.start(this.epoch);
    }
  }
}

function checkSettings(s: LimiterSettings): void {
  if (!(s.maxConcurrent >= 1) || (s.requestsPerSecond !== null && !(s.requestsPerSecond > 0))) {
    throw new RangeError('JumpCloud limits: maxConcurrent must be ≥ 1 and requestsPerSecond > 0 when set');
  }
}
