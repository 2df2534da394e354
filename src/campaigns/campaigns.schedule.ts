/**
 * The campaigns domain's periodic tasks, registered with the cluster tick (one run per cluster, under
 * a Postgres advisory lock). A tick only finds due work: it enqueues it or applies what was lost.
 */

/** Campaigns past dueAt start closing, and launches/closes Redis lost are enqueued again. */
export const CAMPAIGNS_DUE_TICK = { name: 'campaigns.due', periodMs: 5_000 } as const;

/** Removal outcomes whose settled events were lost are applied (RemediationService). */
export const REMEDIATION_RECONCILE_TICK = {
  name: 'campaigns.remediation-reconcile',
  periodMs: 30_000,
} as const;
