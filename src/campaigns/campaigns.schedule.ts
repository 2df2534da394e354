/**
 * The campaigns domain's periodic tasks, registered with the cluster tick (one run per cluster, under
 * a Postgres advisory lock). A tick only finds due work and enqueues it.
 */

/** Campaigns past dueAt start closing, and launches/closes Redis lost are enqueued again. */
export const CAMPAIGNS_DUE_TICK = { name: 'campaigns.due', periodMs: 5_000 } as const;

/** Review reminders, overdue reminders and escalation of active campaigns (API.md "Notifications"). */
export const CAMPAIGNS_REMINDERS_TICK = { name: 'campaigns.reminders', periodMs: 5_000 } as const;

/** Each campaign template's period in progress gets its campaign, launched once the directory is fresh. */
export const CAMPAIGN_TEMPLATES_TICK = { name: 'campaigns.templates', periodMs: 5_000 } as const;
