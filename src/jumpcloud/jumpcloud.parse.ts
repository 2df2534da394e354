import { JumpCloudError } from './jumpcloud.errors';
import {
  MEMBERSHIP_METHODS,
  type JumpCloudAdministrator,
  type JumpCloudApplication,
  type JumpCloudGroupMember,
  type JumpCloudOrganization,
  type JumpCloudSystemUser,
  type JumpCloudUserGroup,
  type MembershipMethod,
  type SystemUserState,
} from './jumpcloud.types';

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

function malformed(what: string): JumpCloudError {
  return new JumpCloudError('unknown', `JumpCloud returned a malformed ${what}`);
}

/** v1 objects carry `_id`, v2 objects `id`; accept either so a changed endpoint does not break sync. */
function idOf(r: Rec, what: string): string {
  const id = str(r._id) ?? str(r.id);
  if (id === null) throw malformed(what);
  return id;
}

function stateOf(r: Rec): SystemUserState {
  const s = r.state;
  if (s === 'ACTIVATED' || s === 'SUSPENDED' || s === 'STAGED') return s;
  // Older records have no `state` (baton reads "" as active); derive it from the flags instead.
  if (r.suspended === true) return 'SUSPENDED';
  if (r.activated === false) return 'STAGED';
  return 'ACTIVATED';
}

/**
 * The system user fields parseSystemUser reads, for v1 `fields` (space-separated projection, spec
 * `trait:fields`): a full record carries dozens more (devices, LDAP, SSH keys), several times the bytes.
 */
export const SYSTEM_USER_FIELDS = [
  '_id',
  'email',
  'username',
  'firstname',
  'lastname',
  'displayname',
  'state',
  'activated',
  'suspended',
  'account_locked',
  'manager',
  'department',
  'jobTitle',
  'employeeIdentifier',
  'created',
  'admin',
  'mfa',
  'totp_enabled',
  'mfaEnrollment',
].join(' ');

const ENROLLED = 'ENROLLED';

/**
 * A system user's MFA state from whichever of the spec's fields JumpCloud sent: `mfa.configured`,
 * `totp_enabled`, `mfaEnrollment.*Status`. Any of them saying enrolled means true; present but none
 * enrolled means false; none present means null (unknown, not "no MFA").
 */
export function systemUserMfa(raw: Rec): boolean | null {
  const mfa = isRec(raw.mfa) ? raw.mfa : null;
  const enrollment = isRec(raw.mfaEnrollment) ? raw.mfaEnrollment : null;
  const signals: unknown[] = [mfa?.configured, raw.totp_enabled];
  if (enrollment)
    signals.push(
      ...Object.values(enrollment).map((s) => (typeof s === 'string' ? s === ENROLLED : undefined)),
    );
  const known = signals.filter((s): s is boolean => typeof s === 'boolean');
  if (known.length === 0) return null;
  return known.some(Boolean);
}

export function parseSystemUser(raw: unknown): JumpCloudSystemUser {
  if (!isRec(raw)) throw malformed('system user');
  const admin = isRec(raw.admin) ? raw.admin : null;
  return {
    id: idOf(raw, 'system user'),
    email: str(raw.email) ?? '',
    username: str(raw.username) ?? '',
    firstname: str(raw.firstname),
    lastname: str(raw.lastname),
    displayname: str(raw.displayname),
    state: stateOf(raw),
    managerId: str(raw.manager),
    department: str(raw.department),
    jobTitle: str(raw.jobTitle),
    employeeIdentifier: str(raw.employeeIdentifier),
    created: str(raw.created),
    suspended: raw.suspended === true || raw.state === 'SUSPENDED',
    accountLocked: raw.account_locked === true,
    adminId: admin ? str(admin.id) : null,
    mfaConfigured: systemUserMfa(raw),
  };
}

export function parseAdministrator(raw: unknown): JumpCloudAdministrator {
  if (!isRec(raw)) throw malformed('administrator');
  const roleNames = Array.isArray(raw.roleNames)
    ? raw.roleNames.filter((n): n is string => typeof n === 'string')
    : [];
  return {
    id: idOf(raw, 'administrator'),
    email: str(raw.email) ?? '',
    firstname: str(raw.firstname),
    lastname: str(raw.lastname),
    roleName: str(raw.roleName) ?? roleNames[0] ?? null,
    roleNames,
    suspended: raw.suspended === true,
    created: str(raw.created),
    organization: str(raw.organization),
    // An administrator's own console MFA: enrolled TOTP (enableMultiFactor only says it is required).
    mfaConfigured: typeof raw.totpEnrolled === 'boolean' ? raw.totpEnrolled : null,
  };
}

function membershipMethodOf(r: Rec): MembershipMethod {
  const m = r.membershipMethod;
  if (typeof m === 'string' && (MEMBERSHIP_METHODS as readonly string[]).includes(m)) {
    return m as MembershipMethod;
  }
  // The 2023 API had only the boolean `membershipAutomated`.
  if (r.membershipAutomated === true) return 'DYNAMIC_AUTOMATED';
  return 'NOTSET';
}

export function parseUserGroup(raw: unknown): JumpCloudUserGroup {
  if (!isRec(raw)) throw malformed('user group');
  return {
    id: idOf(raw, 'user group'),
    name: str(raw.name) ?? '',
    description: str(raw.description),
    email: str(raw.email),
    membershipMethod: membershipMethodOf(raw),
  };
}

/** A `GraphConnection`; the member is `to` (API-NOTES E7). */
export function parseGraphTarget(raw: unknown, what: string): JumpCloudGroupMember {
  if (!isRec(raw)) throw malformed(what);
  const to = isRec(raw.to) ? raw.to : null;
  const id = to ? str(to.id) : null;
  if (!to || id === null) throw malformed(what);
  return { id, type: str(to.type) ?? 'user' };
}

/** A `GraphObjectWithPaths` (`{id, type, paths}`): the object reached, whatever the path. */
export function parseGraphObject(raw: unknown, what: string): { id: string; type: string | null } {
  if (!isRec(raw)) throw malformed(what);
  const id = str(raw.id);
  if (id === null) throw malformed(what);
  return { id, type: str(raw.type) };
}

export function parseApplication(raw: unknown): JumpCloudApplication {
  if (!isRec(raw)) throw malformed('application');
  const id = idOf(raw, 'application');
  const name = str(raw.name);
  const displayName = str(raw.displayName);
  const displayLabel = str(raw.displayLabel);
  return {
    id,
    name,
    displayName,
    displayLabel,
    label: displayLabel ?? displayName ?? name ?? id,
    description: str(raw.description),
    active: bool(raw.active),
    created: str(raw.created),
  };
}

export function parseOrganization(raw: unknown): JumpCloudOrganization {
  if (!isRec(raw)) throw malformed('organization');
  const id = idOf(raw, 'organization');
  return { id, name: str(raw.displayName) ?? str(raw.name) ?? id };
}

/** v1 list body `{totalCount, results}`. */
export function parseV1List(body: unknown, what: string): { results: unknown[]; totalCount: number | null } {
  if (!isRec(body) || !Array.isArray(body.results)) throw malformed(`${what} page`);
  const tc = body.totalCount;
  return {
    results: body.results,
    totalCount: typeof tc === 'number' && Number.isFinite(tc) ? tc : null,
  };
}

/** v2 list body: a bare array, though `{results, totalCount}` is tolerated as Get-JCResults does. */
export function parseV2List(body: unknown, what: string): { results: unknown[]; totalCount: number | null } {
  if (Array.isArray(body)) return { results: body, totalCount: null };
  return parseV1List(body, what);
}
