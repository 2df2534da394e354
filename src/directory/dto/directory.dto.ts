/** The directory's response shapes (API.md "Directory") and the row mappers behind them. */

export interface AccountResponse {
  id: string;
  connectionId: string;
  externalId: string;
  kind: 'user' | 'admin';
  email: string | null;
  username: string | null;
  displayName: string | null;
  state: string;
  managerAccountId: string | null;
  department: string | null;
  jobTitle: string | null;
  adminRoles: string[];
  createdAt: string;
  updatedAt: string;
  removedAt: string | null;
}

export interface GroupResponse {
  id: string;
  connectionId: string;
  externalId: string;
  name: string;
  description: string | null;
  membershipMethod: string;
  memberCount: number;
  applications: { id: string; name: string }[];
  removedAt: string | null;
}

export interface ApplicationResponse {
  id: string;
  connectionId: string;
  externalId: string;
  name: string;
  groups: { id: string; name: string }[];
}

export interface AccountRow {
  id: string;
  connection_id: string;
  external_id: string;
  kind: 'user' | 'admin';
  email: string | null;
  username: string | null;
  display_name: string | null;
  state: string;
  manager_account_id: string | null;
  department: string | null;
  job_title: string | null;
  admin_roles: string[];
  created_at: Date;
  updated_at: Date;
  removed_at: Date | null;
  since?: Date;
  ck: string;
}

export interface GroupRow {
  id: string;
  connection_id: string;
  external_id: string;
  name: string;
  description: string | null;
  membership_method: string;
  member_count: number;
  applications: { id: string; name: string }[];
  removed_at: Date | null;
  ck: string;
}

export interface ApplicationRow {
  id: string;
  connection_id: string;
  external_id: string;
  name: string;
  groups: { id: string; name: string }[];
  ck: string;
}

export function toAccount(r: AccountRow): AccountResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    kind: r.kind,
    email: r.email,
    username: r.username,
    displayName: r.display_name,
    state: r.state,
    managerAccountId: r.manager_account_id,
    department: r.department,
    jobTitle: r.job_title,
    adminRoles: r.admin_roles,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    removedAt: r.removed_at?.toISOString() ?? null,
  };
}

export function toGroup(r: GroupRow): GroupResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    name: r.name,
    description: r.description,
    membershipMethod: r.membership_method,
    memberCount: r.member_count,
    applications: r.applications,
    removedAt: r.removed_at?.toISOString() ?? null,
  };
}

export function toApplication(r: ApplicationRow): ApplicationResponse {
  return {
    id: r.id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    name: r.name,
    groups: r.groups,
  };
}
