import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsPositive,
  Max,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { IdNameResponse } from '../../platform/http/openapi';
import { ListQueryDto } from '../../platform/http/pagination';
import { OUT_OF_BAND_ADDS, type OutOfBandAdds } from '../drift.policy';

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const GRANT_STATUSES = ['scheduled', 'provisioning', 'active', 'revoking', 'ended', 'failed'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];
export const GRANT_END_REASONS = [
  'expired',
  'revoked',
  'removed_outside',
  'already_member',
  'not_eligible',
] as const;
export type GrantEndReason = (typeof GRANT_END_REASONS)[number];

export class ApprovalStepDto {
  @ApiProperty({ enum: ['manager', 'approvers'] }) @IsIn(['manager', 'approvers']) kind!:
    'manager' | 'approvers';

  @ApiPropertyOptional({ minimum: 1, description: 'approvers steps only (default 1)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  required?: number;
}

export class AutoApproveRuleDto {
  @ApiPropertyOptional({ type: [String], description: "the requester's account is in one of these groups" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  requesterInGroupIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: "the requester's department is one of these (any case)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  departments?: string[];

  @ApiProperty({ minimum: 1 }) @IsInt() @Min(1) maxDurationMinutes!: number;

  @ApiPropertyOptional({ description: 'also requests for someone else (default false)' })
  @IsOptional()
  @IsBoolean()
  forOthers?: boolean;
}

export class BreakGlassPolicyDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;
  @ApiProperty({ minimum: 1, description: 'the longest break-glass grant, at most MAX_GRANT_MINUTES' })
  @IsInt()
  @Min(1)
  maxDurationMinutes!: number;
}

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

  @ApiPropertyOptional({
    type: [ApprovalStepDto],
    description: 'default: one approvers step with required = approvalsRequired; when given it supersedes it',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => ApprovalStepDto)
  approvalSteps?: ApprovalStepDto[];

  @ApiPropertyOptional({
    type: [AutoApproveRuleDto],
    description: 'matched at request time, first match wins',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AutoApproveRuleDto)
  autoApproveRules?: AutoApproveRuleDto[];

  @ApiPropertyOptional({ type: BreakGlassPolicyDto, nullable: true, description: 'default: no break-glass' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BreakGlassPolicyDto)
  breakGlass?: BreakGlassPolicyDto | null;

  @ApiPropertyOptional({
    description: 'hours a request may wait for a decision (> 0, fractions allowed)',
    default: 72,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(8760)
  requestTtlHours?: number;

  @ApiPropertyOptional({
    type: [String],
    description:
      'accounts that may request whatever eligibleGroupIds says (a convert_to_jit decision adds its account)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  eligibleAccountIds?: string[];

  @ApiPropertyOptional({
    enum: OUT_OF_BAND_ADDS,
    default: 'allow',
    description:
      'a membership that appears in JumpCloud without jumpgate is accepted (allow), sent for review in the ' +
      "connection's standing campaign Drift reviews (review), or removed through the outbox (revert; a dynamic " +
      'group is never reverted: its adds are sent for review instead)',
  })
  @IsOptional()
  @IsIn(OUT_OF_BAND_ADDS)
  outOfBandAdds?: OutOfBandAdds;
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
  @ApiProperty({ type: [ApprovalStepDto] }) approvalSteps!: ApprovalStepDto[];
  @ApiProperty({ type: [AutoApproveRuleDto] }) autoApproveRules!: AutoApproveRuleDto[];
  @ApiProperty({ type: BreakGlassPolicyDto, nullable: true }) breakGlass!: BreakGlassPolicyDto | null;
  @ApiProperty() requestTtlHours!: number;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description:
      'accounts that may request whatever eligibleGroupIds says (convert_to_jit decisions add theirs)',
  })
  eligibleAccountIds!: string[];
  @ApiProperty({ enum: OUT_OF_BAND_ADDS, description: 'what happens to a membership added outside jumpgate' })
  outOfBandAdds!: OutOfBandAdds;
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
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'the longest break-glass grant; null: no break-glass',
  })
  breakGlassMaxDurationMinutes!: number | null;
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

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'start the grant then, at most 30 days ahead (a time already past: at once)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  startsAt?: string;

  @ApiPropertyOptional({
    description: "granted at once where the policy allows break-glass (the requester's own account)",
  })
  @IsOptional()
  @IsBoolean()
  breakGlass?: boolean;
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
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'null: a skipped step or a rule',
  })
  approverId!: string | null;
  @ApiProperty({ enum: ['approve', 'deny', 'skipped'] }) decision!: 'approve' | 'deny' | 'skipped';
  @ApiProperty({ type: Number, nullable: true, description: 'the index in approvalSteps it counts for' })
  step!: number | null;
  @ApiPropertyOptional({ description: 'the index in autoApproveRules of the rule that approved' })
  rule?: number;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class EligibleApprover {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
}

export class ApproverChangeResponse {
  @ApiProperty({ format: 'uuid' }) removedId!: string;
  @ApiProperty({ enum: ['disabled', 'accounts_inactive'] }) reason!: 'disabled' | 'accounts_inactive';
  @ApiProperty({ type: [String], format: 'uuid' }) addedIds!: string[];
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/**
 * Beyond API.md: what became of the request's grant, so the requester reads here too that, say,
 * the account already was a member (`endReason: "already_member"`: nothing was added or removed).
 */
export class RequestGrantState {
  @ApiProperty({ enum: GRANT_STATUSES, enumName: 'GrantStatus' }) status!: GrantStatus;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "when the grant's clock started: the membership confirmed in JumpCloud",
  })
  startsAt!: string | null;
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
  @ApiProperty({ type: [ApprovalStepDto], description: "the policy's steps when the request was made" })
  approvalSteps!: ApprovalStepDto[];
  @ApiProperty({ description: 'the index in approvalSteps of the step waiting (or last decided)' })
  currentStep!: number;
  @ApiProperty({
    type: [EligibleApprover],
    description: 'who can act on the current step (empty unless pending)',
  })
  eligibleApprovers!: EligibleApprover[];
  @ApiProperty({ type: [ApproverChangeResponse] }) approverChanges!: ApproverChangeResponse[];
  @ApiProperty({
    format: 'date-time',
    description: "when a pending request expires (the policy's requestTtlHours)",
  })
  expiresAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'the scheduled start asked for',
  })
  startsAt!: string | null;
  @ApiProperty() breakGlass!: boolean;
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
