import { ApiProperty } from '@nestjs/swagger';
import { IdNameResponse } from '../../platform/http/openapi';

/** The directory's response shapes (API.md "Directory") and the row mappers behind them. */

export class AccountResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ description: "JumpCloud's id" }) externalId!: string;
  @ApiProperty({ enum: ['user', 'admin'] }) kind!: 'user' | 'admin';
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty({ description: 'as JumpCloud gives it: `ACTIVATED`, `SUSPENDED` or `STAGED`' }) state!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) managerAccountId!: string | null;
  @ApiProperty({ type: String, nullable: true }) department!: string | null;
  @ApiProperty({ type: String, nullable: true }) jobTitle!: string | null;
  @ApiProperty({ type: [String] }) adminRoles!: string[];
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'an MFA factor is enrolled, as JumpCloud reports it (users: mfa, totp_enabled, mfaEnrollment; administrators: totpEnrolled); null when it says nothing',
  })
  mfaConfigured!: boolean | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) removedAt!: string | null;
}

export class AccountGroupResponse {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
}

/** `GET /accounts/{id}`: the account with its groups. */
export class AccountDetailResponse extends AccountResponse {
  @ApiProperty({ type: [AccountGroupResponse] }) groups!: AccountGroupResponse[];
}

/** `GET /groups/{id}/members`: an account with the time it joined the group. */
export class GroupMemberResponse extends AccountResponse {
  @ApiProperty({ format: 'date-time' }) since!: string;
}

export class GroupResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ description: "JumpCloud's id" }) externalId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ description: '`NOTSET`, `STATIC`, `DYNAMIC_REVIEW_REQUIRED` or `DYNAMIC_AUTOMATED`' })
  membershipMethod!: string;
  @ApiProperty() memberCount!: number;
  @ApiProperty({ type: [IdNameResponse] }) applications!: IdNameResponse[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) removedAt!: string | null;
}

export class ApplicationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ description: "JumpCloud's id" }) externalId!: string;
  @ApiProperty({ description: "JumpCloud's `displayLabel`, else `displayName`, else `name`" }) name!: string;
  @ApiProperty({ type: [IdNameResponse] }) groups!: IdNameResponse[];
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
  mfa_configured: boolean | null;
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
    mfaConfigured: r.mfa_configured,
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
