import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConnectionsService } from '../connections/connections.service';
import { type JumpCloudClient, JumpCloudError } from '../jumpcloud';
import { notFound } from '../platform/http/app-error';
import { type OperationResult } from './dto/provisioning.dto';
import { OperationSettlementService } from './operation-settlement.service';
import { OperationClaims } from './operation-claims';
import { OperationLocks } from './operation-locks';
import { type OperationRow, ProvisioningOperationsRepository } from './provisioning-operations.repository';

/** Thrown to have BullMQ try the operation again later (an older operation of the membership is open). */
export class OperationDeferredError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'OperationDeferredError';
  }
}

/**
 * The worker's path: applies one operation once through the JumpCloud client, oldest first per
 * membership, and hands its outcome to settlement; a transient failure is thrown for BullMQ to retry.
 */
@Injectable()
export class OperationApplyService implements OnModuleDestroy {
  private readonly locks: OperationLocks;

  constructor(
    dataSource: DataSource,
    private readonly operations: ProvisioningOperationsRepository,
    private readonly settlement: OperationSettlementService,
    private readonly connections: ConnectionsService,
    private readonly claims: OperationClaims,
  ) {
    this.locks = new OperationLocks(dataSource);
  }

  async onModuleDestroy(): Promise<void> {
    await this.locks.close();
  }

  async apply(operationId: string, attempt: number, maxAttempts: number): Promise<void> {
    if (!(await this.locks.tryLock(operationId))) return; // another worker is applying it right now
    try {
      const claim = await this.claims.claim(operationId);
      if (claim.kind === 'closed') return;
      if (claim.kind === 'deferred') {
        throw new OperationDeferredError(`waits for operation ${claim.olderId} on the same membership`);
      }
      if (claim.kind === 'refused') {
        return void (await this.settlement.settle(claim.op, claim.refusal.status, claim.refusal.reason, 0));
      }
      const { op, target, connection } = claim;
      if (!connection) throw notFound('Connection');
      let calls = 0;
      const client = this.connections.clientForRow(connection, (e) => {
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
          await this.operations.recordRetriedAttempt(op.id, calls, message, uncertain);
          throw err;
        }
        await this.settleOrRemember(op, calls, uncertain, () =>
          this.settlement.settle(op, 'failed', message, calls, null, uncertain),
        );
        return;
      }
      // A write JumpCloud accepted (not a 409 that found someone else's member) is ours.
      const wrote = calls > 0 && (result === 'added' || result === 'removed');
      await this.settleOrRemember(op, calls, wrote, () =>
        this.settlement.settle(op, 'succeeded', null, calls, result, track.mayHaveLanded),
      );
    } finally {
      await this.locks.unlock(operationId);
    }
  }

  /**
   * Settles, or when settling fails (an outcome handler threw: nothing was stored) keeps what this
   * attempt did for the retry BullMQ makes: its write calls, and that a write may have landed. Else
   * the retry would read an add it made as the member found already there (`already_member`), and the
   * grant behind it would never remove it.
   */
  private async settleOrRemember(
    op: OperationRow,
    calls: number,
    mayHaveLanded: boolean,
    settle: () => Promise<void>,
  ): Promise<void> {
    try {
      await settle();
    } catch (err) {
      if (calls > 0) {
        await this.operations.recordRetriedAttempt(
          op.id,
          calls,
          `settling failed: ${(err as Error).message}`,
          mayHaveLanded,
        );
      }
      throw err;
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
}
