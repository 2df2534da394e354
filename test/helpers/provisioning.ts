import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type OperationIntent, ProvisioningService } from '../../src/provisioning/provisioning.service';
import { type TestApp } from './app';
import { BOOTSTRAP_TOKEN } from './principals';
import { pollUntil } from './poll';

/**
 * Enqueues operations the way a caller does: inside its own transaction, then dispatch. Their
 * source is a review item that does not exist: no caller's rules (a grant's retry check, its outcome
 * handler) apply to them, only the outbox's own.
 */
export async function enqueueOps(
  t: TestApp,
  intents: Omit<OperationIntent, 'sourceId' | 'sourceType' | 'reason'>[],
): Promise<string[]> {
  const svc = t.app.get(ProvisioningService);
  const ids = await t.app.get(DataSource).transaction((m) =>
    svc.enqueue(
      m,
      intents.map((i) => ({
        ...i,
        reason: 'test',
        sourceType: 'review_item' as const,
        sourceId: randomUUID(),
      })),
    ),
  );
  await svc.dispatch(ids);
  return ids;
}

export interface Operation {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  verification: string;
  result: string | null;
}

export async function waitForOps(t: TestApp, ids: string[], timeoutMs = 60_000): Promise<Operation[]> {
  return pollUntil(
    () =>
      Promise.all(
        ids.map(
          async (id) =>
            (await t.request('GET', `/api/v1/provisioning-operations/${id}`, { token: BOOTSTRAP_TOKEN }))
              .body as Operation,
        ),
      ),
    (ops) => ops.every((o) => ['succeeded', 'failed', 'manual'].includes(o.status)),
    (ops) => `operations still open: ${JSON.stringify(ops)}`,
    { timeoutMs },
  );
}
