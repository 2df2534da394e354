/** A grant's delayed expiry job: one per grant, at its expiry (ARCHITECTURE.md "Queues"). */
export interface GrantExpiryJobData {
  grantId: string;
}

export const GRANT_EXPIRY_JOB_NAME = 'expire';
export const grantExpiryJobId = (grantId: string): string => `grant-expiry.${grantId}`;
