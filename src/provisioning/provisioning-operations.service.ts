import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type Actor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { AppError, notFound } from '../platform/http/app-error';
import { type Page } from '../platform/http/pagination';
import { JobQueue } from '../platform/queue/job-queue';
import { toOperationResponse } from './dto/operation.mapper';
import { type OperationResponse } from './dto/provisioning.dto';
import { ProvisioningService } from './provisioning.service';
import { type OperationFilter, ProvisioningOperationsRepository } from './provisioning-operations.repository';

/** The operations API: listing, one operation, and an admin's retry of a failed one. */
@Injectable()
export class ProvisioningOperationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly operations: ProvisioningOperationsRepository,
    private readonly provisioning: ProvisioningService,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
  ) {}

  async list(
    _actor: Actor,
    f: OperationFilter,
    limit: number,
    cursor?: string,
  ): Promise<Page<OperationResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.operations.list(f, ks), toOperationResponse);
  }

  async get(_actor: Actor, id: string): Promise<OperationResponse> {
    const row = await this.operations.get(id);
    if (!row) throw notFound('Provisioning operation');
    return toOperationResponse(row);
  }

  /** An admin retries a failed operation: it becomes pending again and is applied anew. */
  async retry(actor: Actor, id: string): Promise<OperationResponse> {
    const row = await this.dataSource.transaction(async (m) => {
      const current = await this.operations.getForUpdate(m, id);
      if (!current) throw notFound('Provisioning operation');
      if (current.status !== 'failed') {
        throw new AppError(
          'invalid_state',
          `Only a failed operation can be retried; this one is ${current.status}`,
        );
      }
      // Its source decides: a grant that no longer waits for its add must not get one (rule 3).
      await this.provisioning.retryCheckFor(current.source_type)?.(m, {
        id: current.id,
        action: current.action,
        accountId: current.account_id,
        groupId: current.group_id,
        sourceId: current.source_id,
      });
      const updated = await this.operations.reopen(m, id);
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
    await this.provisioning.dispatch([id]);
    return toOperationResponse(row);
  }
}
