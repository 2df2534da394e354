import type { AdminRec, AppRec, GroupRec, Store, UserRec } from './store';

/**
 * JumpCloud's response shapes (jumpcloud-v1.json / jumpcloud-v2.json definitions): v1 objects carry
 * `_id`, v2 objects `id`. Fields are those the spec declares; unset optional fields are left out
 * rather than sent as null, except where the spec marks them nullable.
 */

const ROLE_IDS: Record<string, string> = {
  'Administrator With Billing': '5c3536e7c9d5a2c8e1f0a001',
  Administrator: '5c3536e7c9d5a2c8e1f0a002',
  Manager: '5c3536e7c9d5a2c8e1f0a003',
  'Command Runner With Billing': '5c3536e7c9d5a2c8e1f0a004',
  'Command Runner': '5c3536e7c9d5a2c8e1f0a005',
  'Help Desk': '5c3536e7c9d5a2c8e1f0a006',
  'Billing Only': '5c3536e7c9d5a2c8e1f0a007',
  'Read Only': '5c3536e7c9d5a2c8e1f0a008',
};

export type Json = Record<string, unknown>;

export function systemUserJson(store: Store, u: UserRec): Json {
  const out: Json = {
    _id: u.id,
    username: u.username,
    email: u.email,
    firstname: u.firstname,
    middlename: '',
    lastname: u.lastname,
    displayname: u.displayname,
    alternateEmail: '',
    state: u.state,
    activated: u.state !== 'STAGED',
    suspended: u.state === 'SUSPENDED',
    account_locked: false,
    account_locked_date: null,
    department: u.department,
    jobTitle: u.jobTitle,
    employeeIdentifier: u.employeeIdentifier,
    employeeType: u.employeeType,
    company: u.company,
    costCenter: u.costCenter,
    location: u.location,
    description: '',
    created: u.created,
    organization: store.org.id,
    attributes: [],
    addresses: [],
    phoneNumbers: [],
    mfa: { configured: u.mfaConfigured, exclusion: false },
    mfaEnrollment: {
      overallStatus: u.mfaConfigured ? 'ENROLLED' : 'NOT_ENROLLED',
      totpStatus: u.mfaConfigured ? 'ENROLLED' : 'NOT_ENROLLED',
      webAuthnStatus: 'NOT_ENROLLED',
      pushStatus: 'NOT_ENROLLED',
    },
    totp_enabled: u.mfaConfigured,
    password_expired: false,
    password_never_expires: false,
    externally_managed: false,
    enable_managed_uid: false,
    enable_user_portal_multifactor: false,
    ldap_binding_user: false,
    passwordless_sudo: false,
    samba_service_user: false,
    sudo: false,
    unix_guid: u.unixId,
    unix_uid: u.unixId,
    ssh_keys: [],
    admin: null,
  };
  if (u.manager >= 0) {
    const m = store.users[u.manager];
    if (m !== undefined && !m.deleted) out.manager = m.id;
  }
  if (u.admin >= 0) {
    const a = store.admins[u.admin];
    if (a !== undefined) out.admin = { id: a.id, roleName: a.roleName, roleNames: [a.roleName] };
  }
  return out;
}

export function adminJson(store: Store, a: AdminRec): Json {
  const role = ROLE_IDS[a.roleName] ?? '5c3536e7c9d5a2c8e1f0a0ff';
  return {
    _id: a.id,
    email: a.email,
    firstname: a.firstname,
    lastname: a.lastname,
    organization: store.org.id,
    role,
    roleName: a.roleName,
    roleNames: [a.roleName],
    roles: [role],
    suspended: a.suspended,
    enableMultiFactor: a.enableMultiFactor,
    totpEnrolled: a.enableMultiFactor,
    created: a.created,
    apiKeyAllowed: true,
    apiKeySet: false,
    usersTimeZone: 'UTC',
  };
}

export function userGroupJson(store: Store, g: GroupRec): Json {
  const out: Json = {
    id: g.id,
    name: g.name,
    type: 'user_group',
    description: g.description,
    email: '',
    attributes: {
      sudo: { enabled: false, withoutPassword: false },
      ldapGroups: [],
      posixGroups: [{ id: g.posixId, name: g.name }],
      radius: { reply: [] },
      sambaEnabled: false,
    },
    membershipMethod: g.membershipMethod,
    memberQueryExemptions: [],
    memberQueryErrorFlags: [],
    memberSuggestionsNotify: false,
    suggestionCounts: { add: 0, remove: 0, total: 0 },
    organizationObjectId: store.org.id,
  };
  if (g.membershipMethod === 'DYNAMIC_AUTOMATED' || g.membershipMethod === 'DYNAMIC_REVIEW_REQUIRED') {
    out.memberQuery = {
      queryType: 'FilterQuery',
      filters: [JSON.stringify({ field: 'department', operator: 'eq', value: g.ruleDepartment })],
    };
  }
  return out;
}

export function applicationJson(store: Store, a: AppRec): Json {
  return {
    _id: a.id,
    name: a.name,
    displayName: a.displayName,
    displayLabel: a.displayLabel,
    description: a.description,
    active: a.active,
    beta: false,
    organization: store.org.id,
    created: a.created,
    ssoUrl: a.ssoUrl,
    learnMore: '',
    logo: { url: '' },
    config: {},
  };
}

export function organizationSummaryJson(store: Store): Json {
  return { _id: store.org.id, displayName: store.org.displayName, logoUrl: '' };
}

export function organizationJson(store: Store): Json {
  return {
    _id: store.org.id,
    displayName: store.org.displayName,
    created: store.org.created,
    logoUrl: '',
    provider: '',
    hasCreditCard: false,
    hasStripeCustomerId: false,
    totalBillingEstimate: 0,
  };
}

/** A `GraphConnection` whose `from` is implied by the URL (the spec lets it be left out). */
export function graphConnectionJson(id: string, type: string): Json {
  return { attributes: {}, to: { id, type } };
}

/** `GraphObjectWithPaths` for a direct edge from `fromId` to `toId`. */
export function graphObjectWithPathsJson(
  target: { id: string; type: string },
  from: { id: string; type: string },
): Json {
  return {
    id: target.id,
    type: target.type,
    compiledAttributes: {},
    paths: [[{ attributes: {}, from, to: target }]],
  };
}

export function errorJson(status: number, detail: string): Json {
  const phrase = REASONS[status] ?? 'Error';
  return { error: phrase, message: `${phrase}: ${detail}` };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
