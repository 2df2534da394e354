/**
 * At most `max` calls of `run` at once; the others wait their turn in arrival order. For work that
 * holds a pooled connection through a transaction: past a few at once it only fills the pool with
 * connections that wait (for a cluster-wide lock, for each other), and a burst then waits longer
 * for a connection than the pool allows.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    // The slot is handed over by the call that releases it (`active` stays counted).
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
