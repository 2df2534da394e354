/**
 * A settled operation as its source's outcome handler sees it (ProvisioningService.registerOutcomeHandler),
 * and as late-landing adds are told. Provisioning knows none of its callers: they match on
 * `sourceType` / `sourceId`.
 */
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

/**
 * Published after a sync (once per operation: its verification is set then) for adds with an
 * attempt that may have landed (a timeout or 5xx) whose membership the sync lists: a failed add that
 * JumpCloud applied after jumpgate gave up, or a timed-out attempt of a succeeded one that may have
 * been applied again after a removal. The source decides whether the membership is still its own.
 */
export const PROVISIONING_UNCERTAIN_ADDS_LANDED = 'provisioning.uncertain-adds.landed';

export interface ProvisioningUncertainAddsLandedEvent {
  runId: string;
  operations: ProvisioningOperationSettledEvent[];
}
