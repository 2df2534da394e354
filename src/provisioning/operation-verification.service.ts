import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { toSettledEvent } from './dto/operation.mapper';
import {
  PROVISIONING_UNCERTAIN_ADDS_LANDED,
  type ProvisioningUncertainAddsLandedEvent,
} from './provisioning.events';
import { verifyOperations } from './operation-verification.policy';
import { ProvisioningService } from './provisioning.service';
import { type OperationRow, ProvisioningOperationsRepository } from './provisioning-operations.repository';

/** Verification by the next sync: the one place that decides whether an applied change held. */
@Injectable()
export class OperationVerificationService {
  private readonly logger = new Logger(OperationVerificationService.name);

  constructor(
    private readonly operations: ProvisioningOperationsRepository,
    private readonly directory: DirectoryService,
    private readonly events: EventEmitter2,
    private readonly provisioning: ProvisioningService,
  ) {}

  /**
   * The next sync confirms what JumpCloud shows, or says it contradicts what we did. A failed add
   * whose write may have landed (a timeout or 5xx) is checked too: a membership the sync lists
   * means it landed after all. For such adds, and for succeeded ones with an attempt that may have
   * landed late, a listed membership is told to the source (PROVISIONING_UNCERTAIN_ADDS_LANDED), which
   * takes it out again if it no longer holds it.
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async verifyAfterSync(event: DirectorySyncCompletedEvent): Promise<void> {
    const ops = await this.operations.getAwaitingVerification(event.connectionId, event.startedAt);
    if (ops.length === 0) return;
    const present = await this.directory.presentMemberships(
      ops.map((o) => ({ groupId: o.group_id, accountId: o.account_id })),
    );
    const { confirmed, contradicted, landed } = verifyOperations(ops, present);
    await this.tellSources(event.runId, ops, confirmed, contradicted);
    await this.operations.setVerification(confirmed, contradicted);
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

  /**
   * Each source type's verified handler with its operations' verdicts (review items map them to
   * their remediation), before the verdicts are stored: a failing handler leaves them for the next sync.
   */
  private async tellSources(
    runId: string,
    ops: OperationRow[],
    confirmed: string[],
    contradicted: string[],
  ): Promise<void> {
    const held = new Set(confirmed);
    const told = new Set([...confirmed, ...contradicted]);
    for (const sourceType of new Set(ops.map((o) => o.source_type))) {
      const handler = this.provisioning.verifiedHandlerFor(sourceType);
      const mine = ops.filter((o) => o.source_type === sourceType && told.has(o.id));
      if (!handler || mine.length === 0) continue;
      await handler({
        runId,
        confirmed: mine.filter((o) => held.has(o.id)).map(toSettledEvent),
        contradicted: mine.filter((o) => !held.has(o.id)).map(toSettledEvent),
      });
    }
  }
}
