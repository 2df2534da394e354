/** The directory-sync queue's one job: a run id (the run itself lives in Postgres). */
export interface SyncJobData {
  runId: string;
}

export const SYNC_JOB_NAME = 'sync';
export const SYNC_JOB_ATTEMPTS = 4;

export const syncJobId = (runId: string): string => `sync.${runId}`;
