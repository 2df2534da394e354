import { iso } from '../../platform/database/sql';
import { type ProvisioningOperationSettledEvent } from '../provisioning.events';
import { type OperationRow } from '../provisioning-operations.repository';
import { type OperationResponse } from './provisioning.dto';

export function toOperationResponse(r: OperationRow): OperationResponse {
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

export function toSettledEvent(r: OperationRow): ProvisioningOperationSettledEvent {
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
