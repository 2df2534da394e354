/** A pause between polls (tests wait for workers and the emulator by polling, never by a fixed sleep alone). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Reads until `done` holds and returns that value; after `timeoutMs` throws `failure(last value)`, so a
 * timeout says what it last saw.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  failure: (last: T) => string,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(failure(value));
    await sleep(intervalMs);
  }
}
