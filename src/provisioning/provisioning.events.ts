/**
 * Published when an operation settles. Provisioning knows none of its callers: campaigns and access
 * subscribe and match on `sourceType` / `sourceId`.
 */
export const PROVISIONING_OPERATION_SETTLED = 'provisioning.operation.settled';

export interface ProvisioningOperationSettledEvent {
  operationId: string;
  connectionId: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  sourceType: 'review_item' | 'grant';
  sourceId: string;
  status: 'succeeded' | 'failed' | 'manual';
  error: string | null;
  completedAt: string;
}
