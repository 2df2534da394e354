import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';

export const CAMPAIGN_STATUSES = ['draft', 'launching', 'active', 'closing', 'closed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const REVIEWER_STRATEGIES = ['manager', 'group_owner', 'named'] as const;
export type ReviewerStrategy = (typeof REVIEWER_STRATEGIES)[number];
export const DEFAULT_DECISIONS = ['none', 'keep', 'revoke'] as const;
export type DefaultDecision = (typeof DEFAULT_DECISIONS)[number];
export const ITEM_STATUSES = ['pending', 'decided', 'expired'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const DECISIONS = ['keep', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];
export type Remediation = 'none' | 'pending' | 'done' | 'failed' | 'manual';
/** The most decisions one bulk request may carry (API.md). */
export const MAX_BULK_DECISIONS = 1000;

export class CampaignScopeDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  applicationIds?: string[];
}

export class CreateCampaignDto {
  @ApiProperty() @IsUUID() connectionId!: string;

  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) name!: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;

  @ApiProperty({ type: CampaignScopeDto, description: 'empty: every group of the connection' })
  @ValidateNested()
  @Type(() => CampaignScopeDto)
  scope!: CampaignScopeDto;

  @ApiProperty({ enum: REVIEWER_STRATEGIES })
  @IsIn(REVIEWER_STRATEGIES)
  reviewerStrategy!: ReviewerStrategy;

  @ApiPropertyOptional({ type: [String], description: 'principals, for `named`' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  reviewerIds?: string[];

  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  fallbackReviewerIds!: string[];

  @ApiProperty() @IsISO8601({ strict: true }) dueAt!: string;

  @ApiProperty({ enum: DEFAULT_DECISIONS }) @IsIn(DEFAULT_DECISIONS) defaultDecision!: DefaultDecision;

  @ApiProperty() @IsBoolean() autoRemediate!: boolean;
}

export class ItemsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ITEM_STATUSES }) @IsOptional() @IsIn(ITEM_STATUSES) status?: ItemStatus;
  @ApiPropertyOptional() @IsOptional() @IsUUID() reviewerId?: string;
  @ApiPropertyOptional({ enum: DECISIONS }) @IsOptional() @IsIn(DECISIONS) decision?: Decision;
}

export class ReviewsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'decided'] })
  @IsOptional()
  @IsIn(['pending', 'decided'])
  status?: 'pending' | 'decided';
}

export class DecisionDto {
  @ApiProperty({ enum: DECISIONS }) @IsIn(DECISIONS) decision!: Decision;

  @ApiPropertyOptional({ description: 'required for revoke' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  justification?: string;
}

export class BulkDecisionEntryDto extends DecisionDto {
  @ApiProperty() @IsUUID() itemId!: string;
}

export class BulkDecisionsDto {
  @ApiProperty({ type: [BulkDecisionEntryDto], maxItems: MAX_BULK_DECISIONS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_DECISIONS)
  @ValidateNested({ each: true })
  @Type(() => BulkDecisionEntryDto)
  decisions!: BulkDecisionEntryDto[];
}

export class ReassignDto {
  @ApiProperty() @IsUUID() reviewerId!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
}

export interface CampaignProgress {
  total: number;
  pending: number;
  kept: number;
  revoked: number;
  expired: number;
  remediated: number;
  remediationFailed: number;
  manual: number;
}

export interface CampaignResponse {
  id: string;
  connectionId: string;
  name: string;
  description: string | null;
  status: CampaignStatus;
  scope: { groupIds: string[]; applicationIds: string[] };
  reviewerStrategy: ReviewerStrategy;
  reviewerIds: string[];
  fallbackReviewerIds: string[];
  dueAt: string;
  defaultDecision: DefaultDecision;
  autoRemediate: boolean;
  createdBy: string | null;
  createdAt: string;
  launchedAt: string | null;
  closedAt: string | null;
  progress: CampaignProgress;
}

export interface ReviewItemResponse {
  id: string;
  campaignId: string;
  account: {
    id: string;
    email: string | null;
    displayName: string | null;
    kind: string;
    state: string;
    department: string | null;
    jobTitle: string | null;
    manager: { id: string; displayName: string | null } | null;
    isAdministrator: boolean;
  };
  group: {
    id: string;
    name: string;
    membershipMethod: string;
    applications: { id: string; name: string }[];
  };
  membershipSince: string;
  grantId: string | null;
  reviewerId: string | null;
  status: ItemStatus;
  decision: Decision | null;
  justification: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  override: boolean;
  remediation: Remediation;
  remediatedAt: string | null;
  recommendation: { value: 'keep' | 'revoke' | 'review'; reason: string } | null;
  createdAt: string;
}

export interface BulkDecisionResult {
  applied: number;
  rejected: { itemId: string; reason: string }[];
}
