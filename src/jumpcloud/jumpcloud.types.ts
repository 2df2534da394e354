/**
 * DTOs the client hands out. JumpCloud's own bodies (v1 `_id`, v2 `id`, nulls for unset fields)
 * are parsed leniently in `jumpcloud.parse.ts` into these shapes, so callers never see raw JSON.
 */

export type SystemUserState = 'ACTIVATED' | 'SUSPENDED' | 'STAGED';

export interface JumpCloudSystemUser {
  id: string;
  email: string;
  username: string;
  firstname: string | null;
  lastname: string | null;
  displayname: string | null;
  state: SystemUserState;
  /** System user id of the manager (v1 `manager`). */
  managerId: string | null;
  department: string | null;
  jobTitle: string | null;
  employeeIdentifier: string | null;
  /** ISO timestamp as JumpCloud gives it. */
  created: string | null;
  suspended: boolean;
  accountLocked: boolean;
  /** Id of the administrator record linked to this user (2026 spec `admin.id`), if any. */
  adminId: string | null;
  /** Whether an MFA factor is enrolled (`mfa.configured`, `totp_enabled`, `mfaEnrollment`); null: not reported. */
  mfaConfigured: boolean | null;
}

export interface JumpCloudAdministrator {
  id: string;
  email: string;
  firstname: string | null;
  lastname: string | null;
  roleName: string | null;
  roleNames: string[];
  suspended: boolean;
  created: string | null;
  /** Organisation id; missing for some multi-tenant administrators. */
  organization: string | null;
  /** `totpEnrolled`; null: not reported. */
  mfaConfigured: boolean | null;
}

export const MEMBERSHIP_METHODS = [
  'NOTSET',
  'STATIC',
  'DYNAMIC_REVIEW_REQUIRED',
  'DYNAMIC_AUTOMATED',
] as const;
export type MembershipMethod = (typeof MEMBERSHIP_METHODS)[number];

export interface JumpCloudUserGroup {
  id: string;
  name: string;
  description: string | null;
  email: string | null;
  membershipMethod: MembershipMethod;
}

/** A direct member of a user group (`GraphConnection.to`). JumpCloud only returns `user` here. */
export interface JumpCloudGroupMember {
  id: string;
  type: string;
}

export interface JumpCloudApplication {
  id: string;
  /** Catalog/template key, e.g. `slack`. */
  name: string | null;
  displayName: string | null;
  displayLabel: string | null;
  /** What the console shows: displayLabel, else displayName, else name, else the id. */
  label: string;
  description: string | null;
  active: boolean | null;
  created: string | null;
}

/** A user group directly bound to an application (`associations?targets=user_group`). */
export interface JumpCloudApplicationGroup {
  applicationId: string;
  groupId: string;
}

export interface JumpCloudOrganization {
  id: string;
  name: string;
}

/** One page of a listing. `total` is JumpCloud's count of the whole listing when it gives one. */
export interface JumpCloudPage<T> {
  items: T[];
  skip: number;
  total: number | null;
}

export interface JumpCloudAccessReport {
  organization: JumpCloudOrganization;
  /** Reads that succeeded; a read that failed with 403 throws `missing_permission` instead. */
  verified: { users: true; groups: true; administrators: true };
  /** Writes cannot be checked without changing something. */
  writeAccess: 'unverified';
}

export type MembershipWriteOutcome = 'added' | 'removed' | 'already_member' | 'not_member';
