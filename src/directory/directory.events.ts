/**
 * Published after a sync commits. Consumers (provisioning verification, grants removed outside
 * jumpgate) read the run's changes from `directory_membership_history` by `runId`, set-wise, rather
 * than receiving a million ids in an event.
 */
export const DIRECTORY_SYNC_COMPLETED = 'directory.sync.completed';

export interface DirectorySyncCompletedEvent {
  connectionId: string;
  runId: string;
  membershipsAdded: number;
  membershipsRemoved: number;
  /** Memberships that were held back (too many to remove at once) are not in the history. */
  membershipRemovalsHeld: boolean;
  /**
   * When the run began, before its first listing (ISO 8601): a change made after it may be missing
   * from the run's listing. Carried here so no subscriber has to read the run back.
   */
  startedAt: string;
}
