import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
} from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const GRANT_STATUSES = ['provisioning', 'active', 'revoking', 'ended', 'failed'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];
export type GrantEndReason = 'expired' | 'revoked' | 'removed_outside' | 'already_member';

export class PutPolicyDto {
  @ApiProperty({ type: [String], description: 'principals who own the group' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  ownerIds!: string[];

  @ApiProperty() @IsBoolean() requestable!: boolean;

  @ApiProperty({ minimum: 1, description: 'at most MAX_GRANT_MINUTES' })
  @IsInt()
  @Min(1)
  maxDurationMinutes!: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  defaultDurationMinutes?: number;

  @ApiPropertyOptional({ type: [String], description: 'default: the owners' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  approverIds?: string[];

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  approvalsRequired?: number;

  @ApiProperty() @IsBoolean() requireJustification!: boolean;

  @ApiPropertyOptional({ description: 'self-requests only' })
  @IsOptional()
  @IsBoolean()
  autoApprove?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'default: any account of the connection' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  eligibleGroupIds?: string[];
}

export interface PolicyResponse {
  groupId: string;
  ownerIds: string[];
  requestable: boolean;
  maxDurationMinutes: number;
  defaultDurationMinutes: number;
  approverIds: string[];
  approvalsRequired: number;
  requireJustification: boolean;
  autoApprove: boolean;
  eligibleGroupIds: string[] | null;
  updatedAt: string | null;
}

export interface CatalogEntry {
  group: { id: string; name: string; applications: { id: string; name: string }[] };
  maxDurationMinutes: number;
  defaultDurationMinutes: number;
  requireJustification: boolean;
}

export class CreateRequestDto {
  @ApiProperty() @IsUUID() groupId!: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  durationMinutes?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) justification?: string;

  @ApiPropertyOptional({ description: "default: the caller's own account in the group's connection" })
  @IsOptional()
  @IsUUID()
  accountId?: string;
}

export class ApproveDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) comment?: string;
}

export class DenyDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) comment!: string;
}

export class RevokeGrantDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
}

export class RequestsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['mine', 'to_approve', 'all'], default: 'all' })
  @IsOptional()
  @IsIn(['mine', 'to_approve', 'all'])
  scope?: 'mine' | 'to_approve' | 'all';

  @ApiPropertyOptional({ enum: REQUEST_STATUSES })
  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;
}

export class GrantsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: GRANT_STATUSES })
  @IsOptional()
  @IsIn(GRANT_STATUSES)
  status?: GrantStatus;

  @ApiPropertyOptional() @IsOptional() @IsUUID() accountId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() groupId?: string;
}

export interface AccessRequestResponse {
  id: string;
  connectionId: string;
  groupId: string;
  accountId: string;
  requesterId: string;
  durationMinutes: number;
  justification: string | null;
  status: RequestStatus;
  approvals: { approverId: string; decision: 'approve' | 'deny'; comment: string | null; at: string }[];
  grantId: string | null;
  /**
   * Beyond API.md: what became of the request's grant, so the requester reads here too that, say,
   * the account already was a member (`endReason: "already_member"`: nothing was added or removed).
   */
  grant: { status: GrantStatus; endReason: GrantEndReason | null; expiresAt: string | null } | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface GrantResponse {
  id: string;
  requestId: string;
  accountId: string;
  groupId: string;
  status: GrantStatus;
  startsAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endReason: GrantEndReason | null;
  failureReason: string | null;
}
