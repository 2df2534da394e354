import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConnectionsService } from '../connections/connections.service';
import { DirectoryService } from '../directory/directory.service';
import { systemActor } from '../platform/actor';
import { GroupCommit } from '../platform/batching/group-commit';
import { toSettledEvent } from './dto/operation.mapper';
import { type OperationResult } from './dto/provisioning.dto';
import { type ProvisioningOperationSettledEvent } from './provisioning.events';
import { NotificationsService } from '../notifications/notifications.service';
import { ProvisioningService } from './provisioning.service';
import {
  type OperationEnd,
  type OperationRow,
  ProvisioningOperationsRepository,
} from './provisioning-operations.repository';

/** Who settles and verifies operations in the audit log. */
export const PROVISIONING_ACTOR = systemActor('provisioning');

// Operations settled in one transaction at most: 13 bind parameters an audit event, and a short lock.
const SETTLE_BATCH = 500;

interface PendingSettle extends OperationEnd {
  op: OperationRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Ends operations: their rows, the directory (on success), their sources' outcome handlers and the
 * audit events, many operations to one transaction (group commit).
 */
@Injectable()
export class OperationSettlementService {
  private readonly logger = new Logger(OperationSettlementService.name);
  // Operations that finish while a settling transaction runs settle together in the next one.
  private readonly settling = new GroupCommit<PendingSettle>(SETTLE_BATCH, (batch) =>
    this.settleBatch(batch),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly operations: ProvisioningOperationsRepository,
    private readonly connections: ConnectionsService,
    private readonly directory: DirectoryService,
    private readonly audit: AuditService,
    private readonly provisioning: ProvisioningService,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Ends an operation: its row, the directory (on success), its source's outcome, the audit event.
   * Operations that finish while a settling transaction is running wait for it and then settle together
   * in the next one (group commit): one audit append and one transaction for many operations instead
   * of one each, since every audit append in the cluster waits for the same lock. Resolves once this
   * operation's row and its outcome are committed; rejects (nothing committed) if either fails.
   */
  settle(
    op: OperationRow,
    status: 'succeeded' | 'failed' | 'manual',
    error: string | null,
    calls: number,
    result: OperationResult | null = null,
    uncertain = false,
  ): Promise<void> {
    return new Promise((resolve, reject) =>
      this.settling.add({ id: op.id, op, status, error, calls, result, uncertain, resolve, reject }),
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
    const afterCommit = await this.dataSource.transaction(async (m) => {
      const rows = await this.operations.settleAll(m, batch);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const done = batch.flatMap((s) => {
        const row = byId.get(s.op.id);
        return row ? [{ ...s, row }] : [];
      });
      // A member found already was not added by jumpgate, nor was one found gone removed by it:
      // the next sync records either as a change made outside.
      await this.directory.recordProvisionedChanges(
        m,
        done
          .filter(
            (d) => d.status === 'succeeded' && d.result !== 'already_member' && d.result !== 'not_member',
          )
          .map(({ op, row }) => ({
            connectionId: op.connection_id,
            groupId: op.group_id,
            accountId: op.account_id,
            action: op.action === 'add_member' ? ('add' as const) : ('remove' as const),
            operationId: op.id,
            startedAt: row.started_at,
          })),
      );
      const after = await this.applyOutcomes(
        m,
        done.map(({ row }) => toSettledEvent(row)),
      );
      const notices = await this.notifyFailed(
        m,
        done.filter((d) => d.status === 'failed'),
      );
      if (notices.length > 0) after.push(() => this.notifications.dispatch(notices));
      // Last, so the cluster-wide audit lock is held only from here (or a handler's own audit) to the commit.
      await this.audit.recordMany(
        m,
        PROVISIONING_ACTOR,
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
      return after;
    });
    // The rows and outcomes are committed: the jobs may end (and release their locks) while the
    // handlers' after-commit work runs, and the operations settling meanwhile gather for the next one.
    for (const s of batch) s.resolve();
    // Dispatching what a handler enqueued is left to the relays when it fails, never a reason to apply
    // an operation again.
    for (const work of afterCommit) {
      await work().catch((err: unknown) =>
        this.logger.error({ err, operations: batch.length }, 'after-commit work of an outcome failed'),
      );
    }
  }

  /** `remediation_failed` to the admins for each operation that failed for good (API.md). */
  private async notifyFailed(
    m: EntityManager,
    failed: { op: PendingSettle['op']; error: string | null }[],
  ): Promise<string[]> {
    if (failed.length === 0) return [];
    const [accounts, groups] = await Promise.all([
      this.directory.accountsByIds([...new Set(failed.map((f) => f.op.account_id))]),
      this.directory.groupsByIds([...new Set(failed.map((f) => f.op.group_id))]),
    ]);
    const ids: string[] = [];
    for (const { op, error } of failed) {
      ids.push(
        ...(await this.notifications.notify(m, {
          kind: 'remediation_failed',
          recipients: { admins: true },
          subject: { type: 'provisioning_operation', id: op.id },
          data: {
            operationId: op.id,
            action: op.action === 'add_member' ? 'add' : 'remove',
            accountEmail: accounts.find((a) => a.id === op.account_id)?.email ?? op.account_id,
            groupName: groups.find((g) => g.id === op.group_id)?.name ?? op.group_id,
            sourceType: op.source_type,
            error,
          },
          links: { ui: '/admin/operations?status=failed', api: `/api/v1/provisioning-operations/${op.id}` },
        })),
      );
    }
    return ids;
  }

  /**
   * Each source type's outcome handler with all of its operations of this batch, in settling order,
   * inside the settling transaction. Returns the handlers' after-commit work.
   */
  private async applyOutcomes(
    m: EntityManager,
    settled: ProvisioningOperationSettledEvent[],
  ): Promise<(() => Promise<void>)[]> {
    const bySource = new Map<
      ProvisioningOperationSettledEvent['sourceType'],
      ProvisioningOperationSettledEvent[]
    >();
    for (const o of settled) {
      const ops = bySource.get(o.sourceType) ?? [];
      if (ops.length === 0) bySource.set(o.sourceType, ops);
      ops.push(o);
    }
    const after: (() => Promise<void>)[] = [];
    for (const [sourceType, ops] of bySource) {
      const handler = this.provisioning.outcomeHandlerFor(sourceType);
      const work = handler ? await handler(m, ops) : undefined;
      if (work) after.push(work);
    }
    return after;
  }
}
