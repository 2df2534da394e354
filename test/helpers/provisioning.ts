import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type ProvisioningOperationSettledEvent } from '../../src/provisioning/provisioning.events';
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

/**
 * Runs `run` while `sourceType`'s outcome handler throws for the first batch `when` picks (by default
 * the first it is given) and works as registered otherwise; puts the handler back after. `failed`
 * holds the operation ids of the batch it refused.
 */
export async function withOutcomeFailingOnce<T>(
  t: TestApp,
  sourceType: OperationIntent['sourceType'],
  run: (failed: string[]) => Promise<T>,
  when: (ops: ProvisioningOperationSettledEvent[]) => boolean = () => true,
): Promise<T> {
  const provisioning = t.app.get(ProvisioningService);
  const handler = provisioning.outcomeHandlerFor(sourceType)!;
  const failed: string[] = [];
  provisioning.registerOutcomeHandler(sourceType, async (m, ops) => {
    if (failed.length > 0 || !when(ops)) return handler(m, ops);
    failed.push(...ops.map((o) => o.operationId));
    throw new Error('the outcome handler failed');
  });
  try {
    return await run(failed);
  } finally {
    provisioning.registerOutcomeHandler(sourceType, handler);
  }
}
