import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { GroupCommit } from '../platform/batching/group-commit';
import { iso } from '../platform/database/sql';
import { EXPIRY_ACTOR } from './access.actors';
import { AccessNotifications } from './access-notifications';
import { afterCommit, GrantEffects, grantIntent } from './grant-effects';
import { GrantsRepository } from './grants.repository';

// Grants revoked per transaction by the sweep: each costs one outbox row and one audit event.
const EXPIRY_BATCH = 500;
// Grants warned per transaction: each looks up its request and names (grantsChanged).
const WARN_BATCH = 200;
// Expiry jobs whose grant states one read serves at most.
const STATE_READ_BATCH = 1000;

interface ExpiryState {
  due: boolean;
  early: boolean;
}

interface StateRead {
  grantId: string;
  resolve: (state: ExpiryState | undefined) => void;
  reject: (err: unknown) => void;
}

/** Grant expiry (ARCHITECTURE.md rule 3): revoked once, at or just after expiry, even across restarts. */
@Injectable()
export class GrantExpiryService {
  private readonly stateReads = new GroupCommit<StateRead>(STATE_READ_BATCH, (batch) =>
    this.readStates(batch),
  );
  constructor(
    private readonly dataSource: DataSource,
    private readonly grants: GrantsRepository,
    private readonly effects: GrantEffects,
    private readonly audit: AuditService,
    private readonly notices: AccessNotifications,
  ) {}

  /**
   * `grant_expiring` for active grants inside their policy's warning window: each grant is marked with
   * the expiry it was warned of in the transaction that writes its notifications, and the notification
   * key holds that expiry as its period, so two ticks, two workers or a restart warn once per expiry.
   */
  async warnExpiringGrants(): Promise<number> {
    let total = 0;
    for (;;) {
      const { grants, ids } = await this.dataSource.transaction(async (m) => {
        const due = await this.grants.markExpiringToWarn(m, WARN_BATCH);
        const written = await this.notices.grantsChanged(
          m,
          due.map((g) => ({ g, kind: 'grant_expiring' as const })),
        );
        return { grants: due, ids: written };
      });
      await this.notices.dispatch(ids);
      total += grants.length;
      if (grants.length < WARN_BATCH) return total;
    }
  }

  /**
   * Revokes active grants past their expiry (all of them, or the given ones): set-wise, in batches,
   * one `remove_member` operation per grant. Called by the delayed `grant-expiry` job and by the sweep
   * in the cluster tick, so a lost Redis never leaves access in place; a grant already revoking is
   * skipped, and the operation's idempotency key makes a second enqueue a no-op anyway.
   */
  async expireDueGrants(grantIds?: string[]): Promise<number> {
    let total = 0;
    for (;;) {
      const after = afterCommit();
      const rows = await this.dataSource.transaction(async (m) => {
        const expired = await this.grants.startRevokingExpired(m, grantIds ?? null, EXPIRY_BATCH);
        if (expired.length === 0) return expired;
        await this.effects.enqueue(
          m,
          after,
          expired.map((g) => grantIntent(g, 'remove_member', 'grant expired')),
        );
        // Last, so the cluster-wide audit lock is held only from here to the commit.
        await this.audit.recordMany(
          m,
          EXPIRY_ACTOR,
          expired.map((g) => ({
            action: 'access.grant.expired',
            targetType: 'grant',
            targetId: g.id,
            data: { accountId: g.account_id, groupId: g.group_id, expiresAt: iso(g.expires_at) },
          })),
        );
        return expired;
      });
      await this.effects.afterCommit(after);
      total += rows.length;
      if (rows.length < EXPIRY_BATCH) return total;
    }
  }

  /**
   * The delayed job of one grant revokes every grant due by now, not only its own: grants that expire
   * together (a burst of approvals a while ago) are revoked in a few set-wise transactions, and the
   * jobs after them find theirs done. A job that fires a moment before Postgres's clock reaches the
   * expiry (the delay is computed in this process) is retried shortly rather than left to the sweep.
   * Jobs firing together share one read of their grants' states (10,000 jobs are not 10,000 reads).
   * The runs stay one per job that finds its grant due, side by side (SKIP LOCKED): one run at a time
   * serving them all was tried and left expiries seconds late on a loaded machine (bench:expiry stage 1).
   */
  async expireByJob(grantId: string): Promise<void> {
    const g = await new Promise<ExpiryState | undefined>((resolve, reject) =>
      this.stateReads.add({ grantId, resolve, reject }),
    );
    if (!g) return;
    if (g.due) {
      await this.expireDueGrants();
      return;
    }
    if (g.early) throw new Error(`grant ${grantId} is not due yet; the job retries`);
  }

  private async readStates(batch: StateRead[]): Promise<void> {
    const states = await this.grants.getExpiryStates(batch.map((b) => b.grantId));
    for (const b of batch) b.resolve(states.get(b.grantId));
  }
}
