import type { components } from '../api/schema';

export type NotificationKind = components['schemas']['NotificationKind'];
export type NotificationStatus = components['schemas']['NotificationStatus'];

export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = [
  'pending',
  'sent',
  'failed',
  'suppressed',
];

const LABELS: Record<NotificationKind, string> = {
  campaign_assigned: 'Reviews assigned to me',
  review_reminder: 'Review reminders',
  review_overdue: 'Overdue reviews',
  review_escalated: 'Reviews escalated to or from me',
  request_to_approve: 'Requests waiting for my approval',
  request_decided: 'My requests decided',
  grant_active: 'My access granted',
  grant_expiring: 'My access about to expire',
  grant_ended: 'My access ended',
  break_glass_used: 'Break-glass access used',
  remediation_failed: 'Removals that failed',
  sync_failed: 'Directory syncs that failed',
  removals_held: 'Removals held for a second look',
  drift_detected: 'Changes made outside jumpgate',
  campaign_launch_failed: 'Campaigns that could not launch',
};

/** Every kind, in the order people think of them; the Record makes the compiler name a kind the API adds. */
export const NOTIFICATION_KINDS = Object.keys(LABELS) as NotificationKind[];

export function kindLabel(kind: NotificationKind): string {
  return LABELS[kind];
}

export function isNotificationKind(v: string | null): v is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(v ?? '');
}

export function isNotificationStatus(v: string | null): v is NotificationStatus {
  return (NOTIFICATION_STATUSES as readonly string[]).includes(v ?? '');
}
