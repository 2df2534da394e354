import { systemActor } from '../platform/actor';

/** The system actors access records its own changes as (audit), one per cause. */
export const EXPIRY_ACTOR = systemActor('grant-expiry');
export const SYNC_ACTOR = systemActor('directory-sync');
export const PROVISIONING_ACTOR = systemActor('provisioning');
export const POLICY_ACTOR = systemActor('auto-approve');
