import { Injectable } from '@nestjs/common';
import { type ConnectionRow, ConnectionsService } from '../connections/connections.service';
import { DirectoryService, type MembershipTarget } from '../directory/directory.service';
import { GroupCommit } from '../platform/batching/group-commit';
import { checkTarget, type TargetRefusal } from './operation-target.policy';
import { type OperationRow, ProvisioningOperationsRepository } from './provisioning-operations.repository';

// Jobs whose claims share one round of statements at most (the worker's concurrency bounds it anyway).
const CLAIM_BATCH = 500;

/** What a worker holding an operation's lock may do with it. */
export type Claim =
  /** Gone, or no longer open (settled by an earlier delivery of the job): nothing to do. */
  | { kind: 'closed' }
  /** An older operation of the same membership is open: it applies first. */
  | { kind: 'deferred'; olderId: string }
  /** JumpCloud cannot take it member by member: it ends so without a call. */
  | { kind: 'refused'; op: OperationRow; refusal: TargetRefusal }
  /** Marked `running`: call JumpCloud (the connection as this round read it; null when deleted). */
  | { kind: 'ready'; op: OperationRow; target: MembershipTarget; connection: ConnectionRow | null };

interface ClaimRequest {
  id: string;
  resolve: (claim: Claim) => void;
  reject: (err: unknown) => void;
}

/**
 * The worker's reads before its JumpCloud call, for every job that asks while a round runs: the
 * operations with their older open ones, then their directory targets beside their connections, then
 * `running` for those to apply. Three round trips per round of jobs instead of four per job. The jobs
 * hold their operations' locks (OperationLocks) before asking, so what a round reads is not settled
 * meanwhile.
 */
@Injectable()
export class OperationClaims {
  private readonly requests = new GroupCommit<ClaimRequest>(CLAIM_BATCH, (batch) => this.claimAll(batch));

  constructor(
    private readonly operations: ProvisioningOperationsRepository,
    private readonly directory: DirectoryService,
    private readonly connections: ConnectionsService,
  ) {}

  /** Call holding the operation's lock. */
  claim(operationId: string): Promise<Claim> {
    return new Promise((resolve, reject) => this.requests.add({ id: operationId, resolve, reject }));
  }

  private async claimAll(batch: ClaimRequest[]): Promise<void> {
    const rows = await this.operations.getWithOlderOpen(batch.map((b) => b.id));
    const open = rows.filter(
      (r) => (r.status === 'pending' || r.status === 'running') && r.older_id === null,
    );
    // Side by side: the directory targets, and one read per connection of the round (its credentials).
    const connectionIds = [...new Set(open.map((r) => r.connection_id))];
    const [targets, connections] = await Promise.all([
      this.directory.membershipTargets(open.map((r) => ({ groupId: r.group_id, accountId: r.account_id }))),
      Promise.all(connectionIds.map((id) => this.connections.getRow(id))),
    ]);
    const connectionOf = new Map(connectionIds.map((id, i) => [id, connections[i]]));
    const claims = new Map<string, Claim>();
    for (const r of rows) {
      if (r.status !== 'pending' && r.status !== 'running') claims.set(r.id, { kind: 'closed' });
      else if (r.older_id !== null) claims.set(r.id, { kind: 'deferred', olderId: r.older_id });
      else {
        const checked = checkTarget(targets.get(`${r.group_id}:${r.account_id}`));
        claims.set(
          r.id,
          checked.ok
            ? {
                kind: 'ready',
                op: r,
                target: checked.target,
                connection: connectionOf.get(r.connection_id) ?? null,
              }
            : { kind: 'refused', op: r, refusal: checked.refusal },
        );
      }
    }
    await this.operations.markRunning(
      [...claims.values()].flatMap((c) => (c.kind === 'ready' ? [c.op.id] : [])),
    );
    for (const b of batch) b.resolve(claims.get(b.id) ?? { kind: 'closed' });
  }
}
