import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { JobQueue } from '../platform/queue/job-queue';
import { type OperationSourceType, type ProvisioningOperationSettledEvent } from './provisioning.events';
import { ProvisioningOperationsRepository } from './provisioning-operations.repository';

export interface OperationIntent {
  connectionId: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  reason: string;
  sourceType: OperationSourceType;
  sourceId: string;
  /**
   * Tells apart a second intent of the same source, action and membership (the idempotency key is
   * source, action, account and group): e.g. undoing an add that landed after its source stopped
   * waiting. The same key again is still one operation.
   */
  key?: string;
}

/**
 * A caller's say on an admin's retry of one of its operations, inside the retry's transaction:
 * throws a domain error to refuse it (the operation then stays as it was).
 */
export type RetryCheck = (m: EntityManager, op: RetryCandidate) => Promise<void>;

/** Work a handler leaves for after its transaction commits (dispatching what it enqueued). */
export type AfterCommitWork = () => Promise<void>;

/**
 * What a caller makes of its operations that settled, run inside the transaction that settles them
 * (all of one source type that settle together, in the order they settled), so an outcome is never
 * lost between a commit and an event: a throw rolls the settlement back. It may return work for
 * after the commit; that work's failure is logged, not retried.
 */
export type OutcomeHandler = (
  m: EntityManager,
  operations: ProvisioningOperationSettledEvent[],
) => Promise<AfterCommitWork | void>;

/**
 * What a caller makes of the next sync's verdict on its operations ("did the change hold?", decided
 * in provisioning alone: operation-verification.policy.ts), run inside the transaction that stores
 * the verdicts: a throw rolls them back and the next sync decides them again. It may return work for
 * after the commit, as an OutcomeHandler does.
 */
export type VerifiedHandler = (m: EntityManager, verdicts: SourceVerdicts) => Promise<AfterCommitWork | void>;

/** A sync's verdicts on one source type's operations. */
export interface SourceVerdicts {
  runId: string;
  confirmed: ProvisioningOperationSettledEvent[];
  contradicted: ProvisioningOperationSettledEvent[];
  /**
   * Adds with an attempt that may have landed (a timeout or 5xx) whose member the sync lists: a failed
   * add JumpCloud applied after jumpgate gave up, or a timed-out attempt of a succeeded one that may
   * have been applied again after a removal. Each is told once (its verification is stored with it);
   * the source decides whether the membership is still its own.
   */
  landed: ProvisioningOperationSettledEvent[];
}

export interface RetryCandidate {
  id: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  sourceId: string;
}

/**
 * The outbox of membership changes (ARCHITECTURE.md rule 2), as its callers see it: they enqueue
 * inside their own transaction and dispatch after the commit. The worker applies each operation
 * (operation-apply.service.ts), settles it (operation-settlement.service.ts), and the next sync
 * verifies it (operation-verification.service.ts); the relay re-enqueues what Redis lost.
 */
@Injectable()
export class ProvisioningService {
  private readonly retryChecks = new Map<OperationIntent['sourceType'], RetryCheck>();
  private readonly outcomeHandlers = new Map<OperationIntent['sourceType'], OutcomeHandler>();
  private readonly verifiedHandlers = new Map<OperationIntent['sourceType'], VerifiedHandler>();

  constructor(
    private readonly operations: ProvisioningOperationsRepository,
    private readonly jobs: JobQueue,
  ) {}

  /** A caller says, per source type, whether an admin may retry one of its failed operations. */
  registerRetryCheck(sourceType: OperationIntent['sourceType'], check: RetryCheck): void {
    this.retryChecks.set(sourceType, check);
  }

  /** The retry check its source type registered, if any. */
  retryCheckFor(sourceType: OperationIntent['sourceType']): RetryCheck | undefined {
    return this.retryChecks.get(sourceType);
  }

  /** A caller hands in, per source type at module init, what its operations' outcomes do (OutcomeHandler). */
  registerOutcomeHandler(sourceType: OperationIntent['sourceType'], handler: OutcomeHandler): void {
    this.outcomeHandlers.set(sourceType, handler);
  }

  /** The outcome handler its source type registered, if any. */
  outcomeHandlerFor(sourceType: OperationIntent['sourceType']): OutcomeHandler | undefined {
    return this.outcomeHandlers.get(sourceType);
  }

  /** A caller hands in, per source type at module init, what the next sync's verdicts do (VerifiedHandler). */
  registerVerifiedHandler(sourceType: OperationIntent['sourceType'], handler: VerifiedHandler): void {
    this.verifiedHandlers.set(sourceType, handler);
  }

  /** The verified handler its source type registered, if any. */
  verifiedHandlerFor(sourceType: OperationIntent['sourceType']): VerifiedHandler | undefined {
    return this.verifiedHandlers.get(sourceType);
  }

  /**
   * Adds operations inside the caller's transaction; an intent already enqueued (same source, action,
   * account and group) is not added twice. Returns the ids of every intent's operation. Call
   * `dispatch` with them after the transaction commits (the relay covers a crash in between).
   */
  async enqueue(m: EntityManager, intents: OperationIntent[]): Promise<string[]> {
    if (!m.queryRunner?.isTransactionActive) {
      throw new Error(
        'ProvisioningService.enqueue must run inside the transaction of the decision that causes it',
      );
    }
    if (intents.length === 0) return [];
    const ops = intents.map((i) => ({
      ...i,
      idempotencyKey: `${i.sourceType}.${i.sourceId}.${i.action}.${i.accountId}.${i.groupId}${i.key === undefined ? '' : `.${i.key}`}`,
    }));
    const byKey = await this.operations.addAll(m, ops);
    return ops.map((o) => byKey.get(o.idempotencyKey) as string);
  }

  /**
   * Of these memberships, those an add of jumpgate's may have put in JumpCloud without being settled
   * as jumpgate's yet: open adds (a sync may list one that landed before it settled) and failed ones
   * whose write may have landed. A sync that sees such a membership appear has not seen drift.
   * Keys are `groupId:accountId`.
   */
  async unsettledAdds(
    m: EntityManager,
    pairs: { groupId: string; accountId: string }[],
  ): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    return this.operations.getUnsettledAdds(m, pairs);
  }

  /** Hands operations to the queue; failures are left to the relay (Postgres is the truth). */
  async dispatch(operationIds: string[]): Promise<void> {
    await this.jobs.enqueue(operationIds.map((operationId) => ({ name: 'apply', data: { operationId } })));
  }

  /** Open operations Postgres holds but Redis does not (a flush, a crash between commit and enqueue). */
  async relay(): Promise<number> {
    const open = await this.operations.getOpenForRelay();
    const missing: string[] = [];
    for (const op of open) {
      const job = await this.jobs.find({ name: 'apply', data: { operationId: op.id } });
      if (!job) {
        missing.push(op.id);
      } else if (await job.isFailed()) {
        // Attempts ran out while it waited behind an older operation: give it a fresh run.
        await job.remove();
        missing.push(op.id);
      }
    }
    await this.dispatch(missing);
    return missing.length;
  }
}
