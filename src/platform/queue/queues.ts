/**
 * Queue names are persisted identifiers in Redis: never rename one.
 * Job ids use `.` or `-` as separators (BullMQ refuses most ids containing `:`).
 */
export const QUEUES = {
  directorySync: 'directory-sync',
  provisioning: 'provisioning',
  grantExpiry: 'grant-expiry',
  campaigns: 'campaigns',
  notifications: 'notifications',
  directoryActivity: 'directory-activity',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
