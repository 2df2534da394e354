import {
  JumpCloudClient,
  JumpCloudConnectionRegistry,
  JumpCloudError,
  type JumpCloudClientOptions,
  type JumpCloudPage,
} from '../../src/jumpcloud';
import type { RunningEmulator } from '../../src/emulator';

export type AuthMode = 'api_key' | 'service_account';

/** Small waits so fault tests run in milliseconds, not JumpCloud-realistic seconds. */
export const FAST: Partial<JumpCloudClientOptions> = {
  timeoutMs: 2_000,
  maxAttempts: 4,
  backoff: { baseMs: 5, maxMs: 40, maxRetryAfterMs: 5_000 },
  limits: { maxConcurrent: 16, requestsPerSecond: 10_000 },
};

export function clientFor(
  emu: RunningEmulator,
  mode: AuthMode,
  overrides: Partial<JumpCloudClientOptions> = {},
  registry = new JumpCloudConnectionRegistry(),
): JumpCloudClient {
  const c = emu.credentials;
  return new JumpCloudClient(
    {
      orgId: c.orgId,
      credentials:
        mode === 'api_key'
          ? { type: 'api_key', apiKey: c.apiKey }
          : { type: 'service_account', clientId: c.clientId, clientSecret: c.clientSecret },
      apiUrl: emu.apiUrl,
      tokenUrl: emu.tokenUrl,
      insightsUrl: emu.insightsUrl,
      ...FAST,
      ...overrides,
    },
    registry,
  );
}

export async function collect<T>(
  pages: AsyncIterable<JumpCloudPage<T>>,
): Promise<{ items: T[]; pages: JumpCloudPage<T>[] }> {
  const items: T[] = [];
  const all: JumpCloudPage<T>[] = [];
  for await (const p of pages) {
    all.push(p);
    items.push(...p.items);
  }
  return { items, pages: all };
}

export async function failure(p: Promise<unknown>): Promise<JumpCloudError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JumpCloudError) return e;
    throw e;
  }
  throw new Error('expected a JumpCloudError, got success');
}

export async function control<T = unknown>(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
