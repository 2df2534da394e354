import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionsService } from '../connections/connections.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { DirectorySyncService } from '../directory/directory-sync.service';
import { type JumpCloudClient, JumpCloudError } from '../jumpcloud';
import { type Actor, systemActor } from '../platform/actor';
import { iso, returned } from '../platform/database/sql';
import { AppError, notFound } from '../platform/http/app-error';
import { cursorKey, Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { JobQueue } from '../platform/queue/job-queue';
import { ClusterTickService } from '../platform/scheduling/cluster-tick.service';
import { type OperationResponse, type OperationResult, type OperationStatus } from './dto/provisioning.dto';
import { GroupCommit } from '../platform/batching/group-commit';
import { OperationLocks } from './operation-locks';
import {
  PROVISIONING_OPERATION_SETTLED,
  PROVISIONING_OPERATIONS_SETTLED,
  PROVISIONING_UNCERTAIN_ADDS_LANDED,
  type ProvisioningOperationSettledEvent,
  type ProvisioningOperationsSettledEvent,
  type ProvisioningUncertainAddsLandedEvent,
} from './provisioning.events';

export interface OperationIntent {
  connectionId: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  reason: string;
  sourceType: 'review_item' | 'grant';
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

export interface RetryCandidate {
  id: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  sourceId: string;
}

const ACTOR = systemActor('provisioning');

// Operations settled in one transaction at most: 13 bind parameters an audit event, and a short lock.
const SETTLE_BATCH = 500;

interface PendingSettle {
  op: OperationRow;
  status: 'succeeded' | 'failed' | 'manual';
  error: string | null;
  calls: number;
  result: OperationResult | null;
  uncertain: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface OperationRow {
  id: string;
  connection_id: string;
  action: 'add_member' | 'remove_member';
  account_id: string;
  group_id: string;
  reason: string;
  source_type: 'review_item' | 'grant';
  source_id: string;
  status: OperationStatus;
  attempts: number;
  last_error: string | null;
  verification: 'pending' | 'confirmed' | 'contradicted';
  result: OperationResult | null;
  write_uncertain: boolean;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  ck?: string;
}

function toResponse(r: OperationRow): OperationResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    action: r.action,
    accountId: r.account_id,
    groupId: r.group_id,
    reason: r.reason,
    sourceType: r.source_type,
    sourceId: r.source_id,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    verification: r.verification,
    result: r.result,
    createdAt: r.created_at.toISOString(),
    completedAt: iso(r.completed_at),
  };
}

function toSettledEvent(r: OperationRow): ProvisioningOperationSettledEvent {
  return {
    operationId: r.id,
    connectionId: r.connection_id,
    action: r.action,
    accountId: r.account_id,
    groupId: r.group_id,
    sourceType: r.source_type,
    sourceId: r.source_id,
    status: r.status as ProvisioningOperationSettledEvent['status'],
    error: r.last_error,
    result: r.result,
    writeUncertain: r.write_uncertain,
    completedAt: (r.completed_at ?? r.created_at).toISOString(),
  };
}

/** Thrown to have BullMQ try the operation again later (an older operation of the membership is open). */
export class OperationDeferredError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'OperationDeferredError';
  }
}

/**
 * The outbox of membership changes (ARCHITECTURE.md rule 2): callers enqueue inside their own
 * transaction; a worker applies each operation once through the JumpCloud client, oldest first per
 * membership; the cluster tick re-enqueues what Redis lost; the next sync verifies the outcome.
 */
@Injectable()
export class ProvisioningService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ProvisioningService.name);
  // Operations that finish while a settling transaction runs settle together in the next one.
  private readonly settling = new GroupCommit<PendingSettle>(SETTLE_BATCH, (batch) =>
    this.settleBatch(batch),
  );
  private readonly locks: OperationLocks;
  private readonly retryChecks = new Map<OperationIntent['sourceType'], RetryCheck>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionsService,
    private readonly directory: DirectoryService,
    private readonly syncs: DirectorySyncService,
    private readonly audit: AuditService,
    private readonly events: EventEmitter2,
    private readonly tick: ClusterTickService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.locks = new OperationLocks(dataSource);
  }

  onModuleInit(): void {
    this.tick.register({
      name: 'provisioning.relay',
      periodMs: () => 10_000,
      run: async () => void (await this.relay()),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.locks.close();
  }

  /** A caller says, per source type, whether an admin may retry one of its failed operations. */
  registerRetryCheck(sourceType: OperationIntent['sourceType'], check: RetryCheck): void {
    this.retryChecks.set(sourceType, check);
  }

  // ---------------------------------------------------------------- enqueueing (callers)

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
    const keys = intents.map(
      (i) =>
        `${i.sourceType}.${i.sourceId}.${i.action}.${i.accountId}.${i.groupId}${i.key === undefined ? '' : `.${i.key}`}`,
    );
    const col = <K extends keyof OperationIntent>(k: K) => intents.map((i) => i[k]);
    await m.query(
      `INSERT INTO provisioning_operations (connection_id, action, account_id, group_id, reason, source_type, source_id,
         idempotency_key)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::text[])
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        col('connectionId'),
        col('action'),
        col('accountId'),
        col('groupId'),
        col('reason'),
        col('sourceType'),
        col('sourceId'),
        keys,
      ],
    );
    const rows = await m.query<{ id: string; idempotency_key: string }[]>(
      `SELECT id, idempotency_key FROM provisioning_operations WHERE idempotency_key = ANY($1::text[])`,
      [keys],
    );
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r.id]));
    return keys.map((k) => byKey.get(k) as string);
  }

  /** Hands operations to the queue; failures are left to the relay (Postgres is the truth). */
  async dispatch(operationIds: string[]): Promise<void> {
    await this.jobs.enqueue(operationIds.map((operationId) => ({ name: 'apply', data: { operationId } })));
  }

  /** Open operations Postgres holds but Redis does not (a flush, a crash between commit and enqueue). */
  async relay(): Promise<number> {
    const open = await this.dataSource.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE status IN ('pending', 'running')
       AND created_at < now() - interval '2 seconds' ORDER BY created_at, id LIMIT 5000`,
    );
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

  // ---------------------------------------------------------------- applying (worker)

  async apply(operationId: string, attempt: number, maxAttempts: number): Promise<void> {
    if (!(await this.locks.tryLock(operationId))) return; // another worker is applying it right now
    try {
      // The operation and whether an older one of the same membership is still open, in one read.
      const [op] = await this.dataSource.query<(OperationRow & { older_id: string | null })[]>(
        `SELECT o.*, (SELECT p.id FROM provisioning_operations p
                      WHERE p.group_id = o.group_id AND p.account_id = o.account_id AND p.status IN ('pending', 'running')
                        AND (p.created_at, p.id) < (o.created_at, o.id) LIMIT 1) AS older_id
         FROM provisioning_operations o WHERE o.id = $1`,
        [operationId],
      );
      if (!op || (op.status !== 'pending' && op.status !== 'running')) return;
      const older = op.older_id === null ? null : { id: op.older_id };
      if (older) throw new OperationDeferredError(`waits for operation ${older.id} on the same membership`);

      const target = await this.directory.membershipTarget(op.group_id, op.account_id);
      if (!target)
        return void (await this.settle(op, 'failed', 'the account or group is not in the directory', 0));
      if (target.membershipMethod === 'DYNAMIC_AUTOMATED') {
        return void (await this.settle(
          op,
          'manual',
          "The group is DYNAMIC_AUTOMATED: JumpCloud sets its members by rule, so a member cannot be added or removed one by one. Change the rule or the user's attributes in JumpCloud.",
          0,
        ));
      }
      if (target.accountKind !== 'user') {
        return void (await this.settle(op, 'manual', 'Administrators are not group members in JumpCloud', 0));
      }
      await this.dataSource.query(
        `UPDATE provisioning_operations SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1`,
        [op.id],
      );
      let calls = 0;
      const client = await this.connections.clientFor(op.connection_id, (e) => {
        // `attempts` counts write calls only (API.md): not the membership read before an add, nor
        // the group read that tells "not a member" from "no such group" after a removal's 404.
        if (e.type === 'request' && e.request.startsWith('POST ')) calls++;
      });
      let result: OperationResult;
      // An add attempt that timed out or got a 5xx before the one that succeeded may still be applied
      // later: kept on the operation, so the next sync can tell (verifyAfterSync).
      const track = { mayHaveLanded: false };
      try {
        result =
          op.action === 'add_member'
            ? await this.addMember(client, op, target.groupExternalId, target.accountExternalId, track)
            : await client.removeUserFromGroup(target.groupExternalId, target.accountExternalId);
        if (result === 'not_member' && op.write_uncertain) result = 'removed';
      } catch (err) {
        const message =
          err instanceof JumpCloudError ? `${err.code}: ${err.message}` : (err as Error).message;
        const transient = !(err instanceof JumpCloudError) || err.transient;
        // Only a write can land; an error that is not JumpCloud's (say, a malformed answer) after a
        // write was sent cannot tell, so it counts as one that may have.
        const uncertain = err instanceof JumpCloudError ? err.mayHaveLanded : calls > 0;
        if (
          err instanceof JumpCloudError &&
          err.code === 'missing_permission' &&
          err.request?.startsWith('POST ') === true
        ) {
          await this.connections.recordWriteAccess(op.connection_id, 'denied');
        }
        if (transient && attempt < maxAttempts) {
          await this.dataSource.query(
            `UPDATE provisioning_operations SET attempts = attempts + $2, last_error = $3,
               write_uncertain = write_uncertain OR $4 WHERE id = $1`,
            [op.id, calls, message, uncertain],
          );
          throw err;
        }
        await this.settle(op, 'failed', message, calls, null, uncertain);
        return;
      }
      await this.settle(op, 'succeeded', null, calls, result, track.mayHaveLanded);
    } finally {
      await this.locks.unlock(operationId);
    }
  }

  /**
   * An add never overlays standing access (ARCHITECTURE.md rule 3): right before it, the membership
   * is read in JumpCloud itself (the synced copy may be hours old). A member found there, or a 409
   * on the first write attempt (someone else's add won a race), is `already_member`: nothing is
   * written and nothing of ours is there to remove later. After an earlier attempt that may have
   * landed (timeout, 5xx), a member found or a 409 is our own add. Without faults: one read, one write.
   */
  private async addMember(
    client: JumpCloudClient,
    op: OperationRow,
    groupExternalId: string,
    accountExternalId: string,
    track: { mayHaveLanded: boolean },
  ): Promise<OperationResult> {
    if (await client.isGroupMember(groupExternalId, accountExternalId)) {
      return op.write_uncertain ? 'added' : 'already_member';
    }
    const outcome = await client.addUserToGroup(groupExternalId, accountExternalId, track);
    return outcome === 'already_member' && op.write_uncertain ? 'added' : outcome;
  }

  /**
   * Ends an operation: its row, the directory (on success), the audit event, then the outcome events.
   * Operations that finish while a settling transaction is running wait for it and then settle together
   * in the next one (group commit): one audit append and one transaction for many operations instead
   * of one each, since every audit append in the cluster waits for the same lock. Resolves once this
   * operation's row is committed; its outcome is published right after, before the next transaction.
   */
  private settle(
    op: OperationRow,
    status: 'succeeded' | 'failed' | 'manual',
    error: string | null,
    calls: number,
    result: OperationResult | null = null,
    uncertain = false,
  ): Promise<void> {
    return new Promise((resolve, reject) =>
      this.settling.add({ op, status, error, calls, result, uncertain, resolve, reject }),
    );
  }

  private async settleBatch(batch: PendingSettle[]): Promise<void> {
    try {
      await this.settleTogether(batch);
    } catch (err) {
      if (batch.length === 1) throw err;
      // One bad operation must not fail the others: each alone, so only the bad one is retried.
      for (const s of batch) await this.settleTogether([s]).catch((e: unknown) => s.reject(e));
    }
  }

  private async settleTogether(batch: PendingSettle[]): Promise<void> {
    // JumpCloud accepted a write: once per connection of the batch, not once per operation.
    // (An add that found the member already and wrote nothing says nothing about write access.)
    const wrote = new Set(
      batch.filter((s) => s.status === 'succeeded' && s.calls > 0).map((s) => s.op.connection_id),
    );
    for (const connectionId of wrote) await this.connections.recordWriteAccess(connectionId, 'verified');
    const settled = await this.dataSource.transaction(async (m) => {
      const rows = returned<OperationRow>(
        await m.query(
          `UPDATE provisioning_operations o
           SET status = s.status, last_error = s.error, attempts = o.attempts + s.calls,
             completed_at = clock_timestamp(), result = s.result, write_uncertain = o.write_uncertain OR s.uncertain
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::boolean[])
             AS s(id, status, error, calls, result, uncertain)
           WHERE o.id = s.id AND o.status IN ('pending', 'running') RETURNING o.*`,
          [
            batch.map((s) => s.op.id),
            batch.map((s) => s.status),
            batch.map((s) => s.error),
            batch.map((s) => s.calls),
            batch.map((s) => s.result),
            batch.map((s) => s.uncertain),
          ],
        ),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const done = batch.flatMap((s) => {
        const row = byId.get(s.op.id);
        return row ? [{ ...s, row }] : [];
      });
      for (const { op, status, row, result } of done) {
        // A member found already was not added by jumpgate: the next sync records it as found.
        if (status !== 'succeeded' || result === 'already_member') continue;
        await this.directory.recordProvisionedChange(m, {
          connectionId: op.connection_id,
          groupId: op.group_id,
          accountId: op.account_id,
          action: op.action === 'add_member' ? 'add' : 'remove',
          operationId: op.id,
          startedAt: row.started_at,
        });
      }
      // Last, so the cluster-wide audit lock is held only from here to the commit.
      await this.audit.recordMany(
        m,
        ACTOR,
        done.map(({ op, status, error, row }) => ({
          action: `provisioning.operation.${status}`,
          targetType: 'provisioning_operation',
          targetId: op.id,
          data: {
            operation: op.action,
            accountId: op.account_id,
            groupId: op.group_id,
            sourceType: op.source_type,
            sourceId: op.source_id,
            attempts: row.attempts,
            error,
            result: row.result,
            writeUncertain: row.write_uncertain,
          },
        })),
      );
      return done;
    });
    const events: ProvisioningOperationSettledEvent[] = settled.map(({ row }) => toSettledEvent(row));
    // The rows are committed: the jobs may end (and release their locks) while the outcomes are
    // published, and the operations settling meanwhile gather for the next transaction.
    for (const s of batch) s.resolve();
    // A subscriber's failure is its own (logged), never a reason to apply an operation again.
    try {
      if (events.length > 0) {
        const together: ProvisioningOperationsSettledEvent = { operations: events };
        await this.events.emitAsync(PROVISIONING_OPERATIONS_SETTLED, together);
      }
      for (const e of events) await this.events.emitAsync(PROVISIONING_OPERATION_SETTLED, e);
    } catch (err) {
      this.logger.error({ err, operations: events.length }, 'a subscriber to settled operations failed');
    }
  }

  /**
   * Settled operations of these sources, oldest first, shaped as their settled events: for a
   * subscriber that missed an event (the process stopped between the commit and the publication).
   */
  async settledOperationsOf(
    sourceType: ProvisioningOperationSettledEvent['sourceType'],
    sourceIds: string[],
  ): Promise<ProvisioningOperationSettledEvent[]> {
    if (sourceIds.length === 0) return [];
    const rows = await this.dataSource.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations
       WHERE source_type = $1 AND source_id = ANY($2::uuid[]) AND status IN ('succeeded', 'failed', 'manual')
       ORDER BY completed_at, created_at, id`,
      [sourceType, sourceIds],
    );
    return rows.map(toSettledEvent);
  }

  // ---------------------------------------------------------------- verification (next sync)

  /**
   * The next sync confirms what JumpCloud shows, or says it contradicts what we did. A failed add
   * whose write may have landed (a timeout or 5xx) is checked too: a membership the sync lists
   * means it landed after all. For such adds, and for succeeded ones with an attempt that may have
   * landed late, a listed membership is told to the source (PROVISIONING_UNCERTAIN_ADDS_LANDED), which
   * takes it out again if it no longer holds it.
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async verifyAfterSync(event: DirectorySyncCompletedEvent): Promise<void> {
    const run = await this.syncs.getRun(ACTOR, event.runId);
    if (!run.startedAt) return;
    const ops = await this.dataSource.query<OperationRow[]>(
      // Two selects, each matching its own partial index.
      `SELECT * FROM provisioning_operations WHERE connection_id = $1 AND status = 'succeeded'
         AND verification = 'pending' AND completed_at < $2
       UNION ALL
       SELECT * FROM provisioning_operations WHERE connection_id = $1 AND status = 'failed' AND write_uncertain
         AND verification = 'pending' AND completed_at < $2 AND action = 'add_member'`,
      [event.connectionId, run.startedAt],
    );
    if (ops.length === 0) return;
    const present = await this.directory.presentMemberships(
      ops.map((o) => ({ groupId: o.group_id, accountId: o.account_id })),
    );
    const confirmed: string[] = [];
    const contradicted: string[] = [];
    const landed: OperationRow[] = [];
    for (const o of ops) {
      const isMember = present.has(`${o.group_id}:${o.account_id}`);
      if (o.status === 'failed') {
        // A failed add: JumpCloud confirms it when the member is absent.
        (isMember ? contradicted : confirmed).push(o.id);
        if (isMember) landed.push(o);
        continue;
      }
      ((o.action === 'add_member') === isMember ? confirmed : contradicted).push(o.id);
      // A succeeded add with an earlier attempt that may have landed late: its source checks that
      // the member still present is one it holds (a grant ended since would have it taken out).
      if (o.action === 'add_member' && o.write_uncertain && isMember) landed.push(o);
    }
    await this.dataSource.query(
      `UPDATE provisioning_operations SET verification = CASE WHEN id = ANY($1::uuid[]) THEN 'confirmed' ELSE 'contradicted' END
       WHERE id = ANY($1::uuid[]) OR id = ANY($2::uuid[])`,
      [confirmed, contradicted],
    );
    if (contradicted.length > 0) {
      this.logger.warn(
        { runId: event.runId, contradicted: contradicted.length },
        'JumpCloud contradicts applied operations',
      );
    }
    if (landed.length === 0) return;
    const e: ProvisioningUncertainAddsLandedEvent = {
      runId: event.runId,
      operations: landed.map(toSettledEvent),
    };
    try {
      await this.events.emitAsync(PROVISIONING_UNCERTAIN_ADDS_LANDED, e);
    } catch (err) {
      this.logger.error({ err, operations: landed.length }, 'a subscriber to late-landing adds failed');
    }
  }

  // ---------------------------------------------------------------- API

  async list(
    _actor: Actor,
    f: { status?: OperationStatus; connectionId?: string; sourceType?: string; sourceId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<OperationResponse>> {
    const ks = Keyset.from(cursor, limit);
    const rows = await this.dataSource.query<OperationRow[]>(
      `SELECT *, ${cursorKey('created_at')} AS ck FROM provisioning_operations
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR connection_id = $2)
         AND ($3::text IS NULL OR source_type = $3) AND ($4::uuid IS NULL OR source_id = $4)
         AND ${ks.after(5)}
       ORDER BY created_at, id LIMIT $7`,
      [f.status ?? null, f.connectionId ?? null, f.sourceType ?? null, f.sourceId ?? null, ...ks.params],
    );
    return ks.page(rows, toResponse);
  }

  async get(_actor: Actor, id: string): Promise<OperationResponse> {
    const [row] = await this.dataSource.query<OperationRow[]>(
      `SELECT * FROM provisioning_operations WHERE id = $1`,
      [id],
    );
    if (!row) throw notFound('Provisioning operation');
    return toResponse(row);
  }

  /** An admin retries a failed operation: it becomes pending again and is applied anew. */
  async retry(actor: Actor, id: string): Promise<OperationResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      const [current] = await m.query<OperationRow[]>(
        `SELECT * FROM provisioning_operations WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!current) throw notFound('Provisioning operation');
      if (current.status !== 'failed') {
        throw new AppError(
          'invalid_state',
          `Only a failed operation can be retried; this one is ${current.status}`,
        );
      }
      // Its source decides: a grant that no longer waits for its add must not get one (rule 3).
      await this.retryChecks.get(current.source_type)?.(m, {
        id: current.id,
        action: current.action,
        accountId: current.account_id,
        groupId: current.group_id,
        sourceId: current.source_id,
      });
      const [updated] = returned<OperationRow>(
        await m.query(
          `UPDATE provisioning_operations SET status = 'pending', completed_at = NULL, verification = 'pending',
             result = NULL WHERE id = $1 RETURNING *`,
          [id],
        ),
      );
      await this.audit.record(m, actor, {
        action: 'provisioning.operation.retried',
        targetType: 'provisioning_operation',
        targetId: id,
        data: { previousError: current.last_error, attempts: current.attempts },
      });
      return updated;
    });
    const stale = await this.jobs.find({ name: 'apply', data: { operationId: id } });
    if (stale) await stale.remove().catch(() => undefined);
    await this.dispatch([id]);
    return toResponse(row);
  }
}
