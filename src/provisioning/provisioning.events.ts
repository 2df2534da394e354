/** Who asks for an operation (API.md `sourceType`): a review's revoke, a grant, or drift a sync saw. */
export const OPERATION_SOURCE_TYPES = ['review_item', 'grant', 'drift'] as const;
export type OperationSourceType = (typeof OPERATION_SOURCE_TYPES)[number];

/**
 * A settled operation as its source's outcome handler sees it (ProvisioningService.registerOutcomeHandler),
 * and in a sync's verdicts (VerifiedHandler). Provisioning knows none of its callers: they match on
 * `sourceType` / `sourceId`.
 */
export interface ProvisioningOperationSettledEvent {
  operationId: string;
  connectionId: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  sourceType: OperationSourceType;
  sourceId: string;
  status: 'succeeded' | 'failed' | 'manual';
  error: string | null;
  /**
   * What JumpCloud showed, on success: `added` / `removed` (jumpgate changed it), `already_member`
   * (an add found the member there already, from someone else: nothing was written and nothing is
   * jumpgate's to remove), `not_member` (a removal found it gone). Null on failure.
   */
  result: 'added' | 'already_member' | 'removed' | 'not_member' | null;
  /** An attempt timed out or got a 5xx, so a failed write may still have landed in JumpCloud. */
  writeUncertain: boolean;
  completedAt: string;
}
