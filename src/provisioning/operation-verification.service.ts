import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { toSettledEvent } from './dto/operation.mapper';
import { verifyOperations } from './operation-verification.policy';
import { type AfterCommitWork, ProvisioningService } from './provisioning.service';
import { type OperationRow, ProvisioningOperationsRepository } from './provisioning-operations.repository';

/** Verification by the next sync: the one place that decides whether an applied change held. */
@Injectable()
export class OperationVerificationService {
  private readonly logger = new Logger(OperationVerificationService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly operations: ProvisioningOperationsRepository,
    private readonly directory: DirectoryService,
    private readonly provisioning: ProvisioningService,
  ) {}

  /**
   * The next sync confirms what JumpCloud shows, or says it contradicts what we did. A failed add
   * whose write may have landed (a timeout or 5xx) is checked too: a membership the sync lists
   * means it landed after all. Each source type's verified handler is told its verdicts, and the adds
   * that may have landed late (which it takes out again if it no longer holds them), in the
   * transaction that stores the verdicts: a handler that throws leaves them all for the next sync.
   */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async verifyAfterSync(event: DirectorySyncCompletedEvent): Promise<void> {
    try {
      await this.verify(event);
    } catch (err) {
      // Nothing of it was stored: the operations still await verification, by the next sync.
      this.logger.error({ err, runId: event.runId }, 'verification failed; the next sync verifies again');
    }
  }

  private async verify(event: DirectorySyncCompletedEvent): Promise<void> {
    const candidates = await this.operations.getAwaitingVerification(event.connectionId, event.startedAt);
    if (candidates.length === 0) return;
    const present = await this.directory.presentMemberships(
      candidates.map((o) => ({ groupId: o.group_id, accountId: o.account_id })),
    );
    const { after, contradicted } = await this.dataSource.transaction(async (m) => {
      const ops = await this.operations.lockAwaitingVerification(
        m,
        candidates.map((o) => o.id),
      );
      const verdicts = verifyOperations(ops, present);
      const work = await this.tellSources(m, event.runId, ops, verdicts);
      await this.operations.setVerification(m, verdicts.confirmed, verdicts.contradicted);
      return { after: work, contradicted: verdicts.contradicted.length };
    });
    if (contradicted > 0) {
      this.logger.warn({ runId: event.runId, contradicted }, 'JumpCloud contradicts applied operations');
    }
    // Dispatching what a handler enqueued is left to the relays when it fails.
    for (const work of after) {
      await work().catch((err: unknown) =>
        this.logger.error({ err, runId: event.runId }, 'after-commit work of a verified handler failed'),
      );
    }
  }

  /**
   * Each source type's verified handler with its operations' verdicts and late-landing adds (review
   * items map the verdicts to their remediation; grants undo an add they no longer hold), inside the
   * verifying transaction. Returns the handlers' after-commit work.
   */
  private async tellSources(
    m: EntityManager,
    runId: string,
    ops: OperationRow[],
    v: { confirmed: string[]; contradicted: string[]; landed: OperationRow[] },
  ): Promise<AfterCommitWork[]> {
    const held = new Set(v.confirmed);
    const told = new Set([...v.confirmed, ...v.contradicted]);
    const after: AfterCommitWork[] = [];
    for (const sourceType of new Set(ops.map((o) => o.source_type))) {
      const handler = this.provisioning.verifiedHandlerFor(sourceType);
      const mine = ops.filter((o) => o.source_type === sourceType && told.has(o.id));
      if (!handler || mine.length === 0) continue;
      const work = await handler(m, {
        runId,
        confirmed: mine.filter((o) => held.has(o.id)).map(toSettledEvent),
        contradicted: mine.filter((o) => !held.has(o.id)).map(toSettledEvent),
        landed: v.landed.filter((o) => o.source_type === sourceType).map(toSettledEvent),
      });
      if (work) after.push(work);
    }
    return after;
  }
}
