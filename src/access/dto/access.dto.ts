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
import { IdNameResponse } from '../../platform/http/openapi';
import { ListQueryDto } from '../../platform/http/pagination';

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const GRANT_STATUSES = ['provisioning', 'active', 'revoking', 'ended', 'failed'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];
export const GRANT_END_REASONS = ['expired', 'revoked', 'removed_outside', 'already_member'] as const;
export type GrantEndReason = (typeof GRANT_END_REASONS)[number];

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

  @ApiPropertyOptional({
    minimum: 0,
    default: 10,
    description: 'grant_expiring goes this many minutes before a grant ends (0: no warning)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  warnBeforeExpiryMinutes?: number;
}

export class PolicyResponse {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ type: [String], format: 'uuid' }) ownerIds!: string[];
  @ApiProperty() requestable!: boolean;
  @ApiProperty() maxDurationMinutes!: number;
  @ApiProperty() defaultDurationMinutes!: number;
  @ApiProperty({ type: [String], format: 'uuid' }) approverIds!: string[];
  @ApiProperty() approvalsRequired!: number;
  @ApiProperty() requireJustification!: boolean;
  @ApiProperty() autoApprove!: boolean;
  @ApiProperty({ type: [String], format: 'uuid', nullable: true, description: 'null: any account' })
  eligibleGroupIds!: string[] | null;
  @ApiProperty({ description: 'grant_expiring goes this many minutes before a grant ends (0: no warning)' })
  warnBeforeExpiryMinutes!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}

export class CatalogGroup {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [IdNameResponse] }) applications!: IdNameResponse[];
}

export class CatalogEntry {
  @ApiProperty({ type: CatalogGroup }) group!: CatalogGroup;
  @ApiProperty() maxDurationMinutes!: number;
  @ApiProperty() defaultDurationMinutes!: number;
  @ApiProperty() requireJustification!: boolean;
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

export class ApprovalResponse {
  @ApiProperty({ format: 'uuid' }) approverId!: string;
  @ApiProperty({ enum: ['approve', 'deny'] }) decision!: 'approve' | 'deny';
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/**
 * Beyond API.md: what became of the request's grant, so the requester reads here too that, say,
 * the account already was a member (`endReason: "already_member"`: nothing was added or removed).
 */
export class RequestGrantState {
  @ApiProperty({ enum: GRANT_STATUSES, enumName: 'GrantStatus' }) status!: GrantStatus;
  @ApiProperty({ enum: GRANT_END_REASONS, enumName: 'GrantEndReason', nullable: true })
  endReason!: GrantEndReason | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
}

export class AccessRequestResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) requesterId!: string;
  @ApiProperty() durationMinutes!: number;
  @ApiProperty({ type: String, nullable: true }) justification!: string | null;
  @ApiProperty({ enum: REQUEST_STATUSES, enumName: 'AccessRequestStatus' }) status!: RequestStatus;
  @ApiProperty({ type: [ApprovalResponse] }) approvals!: ApprovalResponse[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) grantId!: string | null;
  @ApiProperty({ type: RequestGrantState, nullable: true }) grant!: RequestGrantState | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) decidedAt!: string | null;
}

export class GrantResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ enum: GRANT_STATUSES, enumName: 'GrantStatus' }) status!: GrantStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startsAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt!: string | null;
  @ApiProperty({ enum: GRANT_END_REASONS, enumName: 'GrantEndReason', nullable: true })
  endReason!: GrantEndReason | null;
  @ApiProperty({ type: String, nullable: true, description: 'why a failed grant failed' })
  failureReason!: string | null;
}
