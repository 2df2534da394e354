/** An item waiting in a GroupCommit: it is settled by the batch handler, or rejected if that throws. */
export interface Waiting {
  reject: (err: unknown) => void;
}

/**
 * Group commit: items that arrive while a batch is being handled wait and go together in the next
 * one, at most `max` at a time, so many callers share one round trip or one transaction. The handler
 * settles each item of its batch; if it throws, every item of that batch is rejected with the error.
 */
export class GroupCommit<T extends Waiting> {
  private readonly queue: T[] = [];
  private running = false;

  constructor(
    private readonly max: number,
    private readonly handle: (batch: T[]) => Promise<void>,
  ) {}

  add(item: T): void {
    this.queue.push(item);
    if (this.running) return;
    this.running = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.max);
        await this.handle(batch).catch((err: unknown) => {
          for (const item of batch) item.reject(err);
        });
      }
    } finally {
      // Synchronously after the last emptiness check, so an item arriving now starts a new drain.
      this.running = false;
    }
  }
}
