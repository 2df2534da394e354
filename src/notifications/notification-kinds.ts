/** Every kind of notification (API.md "Notifications"); the migration's CHECK lists the same. */
export const NOTIFICATION_KINDS = [
  'campaign_assigned',
  'review_reminder',
  'review_overdue',
  'review_escalated',
  'request_to_approve',
  'request_decided',
  'grant_active',
  'grant_expiring',
  'grant_ended',
  'break_glass_used',
  'remediation_failed',
  'sync_failed',
  'removals_held',
  'drift_detected',
  'campaign_launch_failed',
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const CHANNEL_TYPES = ['email', 'slack', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Channel types a person's preferences speak of (webhooks are the organisation's, not a person's). */
export const PREFERENCE_CHANNELS = ['email', 'slack'] as const;
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number];

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'suppressed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One recipient: a principal id, one with data of its own merged over the common data (a digest), or
 * the principal of an email (a request's beneficiary; nobody when no principal has it).
 */
export type NotifyRecipient = string | { id: string; data?: Record<string, unknown> } | { email: string };

/** What a domain hands `NotificationsService.notify` inside its own transaction. */
/**
 * Where a notification leads: the web app path (API.md "Web app") and the REST route, plus, for a
 * notice that has an after-the-fact review (break_glass_used), where that review is done.
 */
export interface NotificationLinks {
  ui: string;
  api: string;
  review?: string;
}

export interface NotifyInput {
  kind: NotificationKind;
  /** Principals, or every admin (API.md: the failure kinds go to the admins). */
  recipients: NotifyRecipient[] | { admins: true };
  subject: { type: string; id: string };
  /** API.md: `d-<i>`, `overdue-<n>`, the expiresAt in force for grant_expiring; '' otherwise. */
  period?: string;
  /** Facts the message names (campaignName, groupName, dueAt, expiresAt, ...): never a secret. */
  data: Record<string, unknown>;
  /** Web app path (API.md "Web app") and REST route; made absolute on PUBLIC_URL when sent. */
  links: NotificationLinks;
}
