import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { iso } from '../platform/database/sql';
import { AppError } from '../platform/http/app-error';
import { type ProvisioningOperationSettledEvent } from '../provisioning/provisioning.events';
import { type RetryCandidate, type SourceVerdicts } from '../provisioning/provisioning.service';
import { PROVISIONING_ACTOR, SYNC_ACTOR } from './access.actors';
import { type GrantRow } from './dto/access.rows';
import { AccessNotifications, type GrantNotice } from './access-notifications';
import { type AfterCommit, afterCommit, GrantEffects, grantIntent } from './grant-effects';
import {
  type GrantOutcome,
  grantWaitsFor,
  lateAddNeedsUndo,
  settledOutcome,
  settlementRounds,
} from './grant-outcome.policy';
import { GrantsRepository, type OutcomeWrite } from './grants.repository';

type Settled = ProvisioningOperationSettledEvent;

/**
 * What provisioning's outcomes do to grants: an add that landed, was refused or found standing
 * access, a removal done or refused, an add a sync saw land late (undone), and memberships a sync saw
 * removed outside jumpgate.
 */
@Injectable()
export class GrantOutcomesService {
  private readonly logger = new Logger(GrantOutcomesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantsRepository,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
    private readonly directory: DirectoryService,
    private readonly notices: AccessNotifications,
  ) {}

  /**
   * An admin's retry of a grant's failed operation (API.md): an add only while the grant still waits
   * for it (`provisioning`), else the person would get a membership no grant ends. A removal is
   * always still awaited, since something jumpgate added may remain, except for a grant that found
   * standing access (it has nothing of jumpgate's to remove).
   */
  async checkRetry(m: EntityManager, op: RetryCandidate): Promise<void> {
    const g = await this.grants.lock(m, op.sourceId);
    if (!grantWaitsFor(g, op.action)) {
      throw new AppError(
        'grant_not_waiting',
        g === undefined
          ? 'The grant of this operation does not exist'
          : `The grant of this operation is ${g.status}${g.end_reason ? ` (${g.end_reason})` : ''} and no longer waits for it; request access again instead`,
        { grantId: op.sourceId },
      );
    }
  }

  /**
   * The `grant` outcome handler (registered with provisioning by AccessService): applySettled inside
   * the settling transaction, then dispatches and schedules what it changed once that commits.
   */
  async onSettled(m: EntityManager, ops: Settled[]): Promise<() => Promise<void>> {
    const after = afterCommit();
    await this.applySettled(m, ops, after);
    return () => this.effects.afterCommit(after);
  }

  /**
   * The outcome of grants' operations, set-wise for all that settled together: `active` once JumpCloud
   * has the member (expiry counts from then), `ended` with `already_member` when JumpCloud already
   * had it from someone else, `failed` if the add was refused, `ended` once removed, and still
   * `revoking` with why if the removal was refused (for an admin to retry). Runs inside provisioning's
   * settling transaction (registered as the `grant` outcome handler); what it enqueued or scheduled
   * is in `after`, for once the transaction commits. Returns how many grants it moved on.
   */
  async applySettled(m: EntityManager, ops: Settled[], after: AfterCommit): Promise<number> {
    if (ops.length === 0) return 0;
    // A grant appears at most once per statement, so its operations apply in the order they settled.
    const rounds = settlementRounds(ops);
    const changed: { g: GrantRow; o: Settled; outcome: GrantOutcome }[] = [];
    const undone: { g: GrantRow; o: Settled; removalId: string }[] = [];
    for (const round of rounds) {
      const locked = await this.grants.lockMany(
        m,
        round.map((o) => o.sourceId),
      );
      const byId = new Map(locked.map((g) => [g.id, g]));
      const moves: { o: Settled; outcome: GrantOutcome }[] = [];
      const undo: { g: GrantRow; o: Settled }[] = [];
      for (const o of round) {
        const g = byId.get(o.sourceId);
        if (!g) continue;
        const d = settledOutcome(g, o);
        if (d.outcome) moves.push({ o, outcome: d.outcome });
        if (d.undo) undo.push({ g, o });
      }
      if (undo.length > 0) {
        // Keyed by the add's settlement, so offering the same outcome again enqueues nothing more.
        const ids = await this.effects.enqueue(
          m,
          after,
          undo.map(({ g, o }) =>
            grantIntent(
              g,
              'remove_member',
              `undo an add that landed after grant ${g.id} stopped waiting for it`,
              `undo.${o.operationId}.${o.completedAt}`,
            ),
          ),
        );
        undo.forEach((u, k) => undone.push({ ...u, removalId: ids[k] }));
      }
      if (moves.length === 0) continue;
      const rows = await this.grants.applyOutcomes(
        m,
        moves.map((x): OutcomeWrite => ({
          grantId: x.o.sourceId,
          operationId: x.o.operationId,
          outcome: x.outcome,
          at: x.o.completedAt,
          reason: `${x.o.status}: ${x.o.error ?? 'JumpCloud refused the change'}`,
        })),
      );
      const byOp = new Map(rows.map((r) => [r.op_id, r]));
      for (const { o, outcome } of moves) {
        const g = byOp.get(o.operationId);
        if (g) changed.push({ g, o, outcome });
      }
    }
    after.schedule.push(...changed.filter((c) => c.outcome === 'activated').map((c) => c.g));
    // A grant that started or ended tells its requester and beneficiary (API.md grant kinds).
    after.notificationIds.push(
      ...(await this.notices.grantsChanged(
        m,
        changed.flatMap(({ g, outcome }): GrantNotice[] => {
          if (outcome === 'activated') return [{ g, kind: 'grant_active' }];
          return outcome === 'revoke_failed' ? [] : [{ g, kind: 'grant_ended' }];
        }),
      )),
    );
    // Last, so the cluster-wide audit lock is held only from here to the commit.
    await this.audit.recordMany(m, PROVISIONING_ACTOR, [
      ...changed.map(({ g, o, outcome }) => ({
        action: `access.grant.${outcome}`,
        targetType: 'grant',
        targetId: g.id,
        data: {
          operationId: o.operationId,
          status: g.status,
          expiresAt: iso(g.expires_at),
          endReason: g.end_reason,
          error: o.error,
        },
      })),
      ...undone.map(({ g, o, removalId }) => ({
        action: 'access.grant.add_undone',
        targetType: 'grant',
        targetId: g.id,
        data: {
          operationId: o.operationId,
          removalOperationId: removalId,
          status: g.status,
          landed: o.status === 'succeeded' ? 'yes' : 'maybe',
        },
      })),
    ]);
    return changed.length;
  }

  /**
   * The `grant` verified handler (registered with provisioning by AccessService), inside the verifying
   * transaction: a grant's add had an attempt that may have landed late (it timed out or got a 5xx;
   * the add then failed, or a retry succeeded), and the sync lists the member while the grant has
   * ended or failed: JumpCloud applied that attempt after jumpgate moved on (after the grant's removal,
   * or its undo, found nothing to remove). Unless a live grant of the same account and group now
   * holds the membership, it is taken out through the outbox (ARCHITECTURE.md rule 3: an add that
   * lands for a grant no longer waiting for it is undone). A membership someone else granted in that
   * same window cannot be told apart from it. Returns the dispatch for after the commit.
   */
  async onVerified(m: EntityManager, v: SourceVerdicts): Promise<() => Promise<void>> {
    const after = afterCommit();
    await this.undoLateAdds(m, v.runId, v.landed, after);
    return () => this.effects.afterCommit(after);
  }

  private async undoLateAdds(m: EntityManager, runId: string, landed: Settled[], after: AfterCommit) {
    const ops = landed.filter((o) => o.sourceType === 'grant' && o.action === 'add_member');
    if (ops.length === 0) return;
    const grants = await this.grants.lockWithLiveOther(
      m,
      ops.map((o) => o.sourceId),
    );
    const targets = grants.filter(lateAddNeedsUndo);
    if (targets.length === 0) return;
    const ids = await this.effects.enqueue(
      m,
      after,
      targets.map((g) =>
        grantIntent(g, 'remove_member', `undo an add that landed late for grant ${g.id}`, `late.${runId}`),
      ),
    );
    await this.audit.recordMany(
      m,
      SYNC_ACTOR,
      targets.map((g, k) => ({
        action: 'access.grant.add_undone',
        targetType: 'grant',
        targetId: g.id,
        data: {
          operationId: ops.find((o) => o.sourceId === g.id)?.operationId ?? null,
          removalOperationId: ids[k],
          status: g.status,
          landed: 'late',
          runId,
        },
      })),
    );
  }

  /** A sync saw the membership of an active grant gone: it was removed outside jumpgate. */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    const pairs = await this.directory.removedMembershipsForRun(e.runId);
    if (pairs.length === 0) return;
    const after = afterCommit();
    await this.dataSource.transaction(async (m) => {
      // Only grants active before the sync started: a later add is simply not in its listing.
      const ended = await this.grants.endRemovedOutside(m, pairs, e.startedAt);
      after.notificationIds.push(
        ...(await this.notices.grantsChanged(
          m,
          ended.map((g) => ({ g, kind: 'grant_ended' as const })),
        )),
      );
      for (const g of ended) {
        after.unschedule.push(g.id);
        await this.audit.record(m, SYNC_ACTOR, {
          action: 'access.grant.removed_outside',
          targetType: 'grant',
          targetId: g.id,
          data: { runId: e.runId, accountId: g.account_id, groupId: g.group_id },
        });
      }
    });
    await this.effects.afterCommit(after);
  }
}
