import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  Max,
  Min,
  IsNotEmpty,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IdNameResponse } from '../../platform/http/openapi';
import { CampaignRefResponse } from './campaign-progress.dto';
import { ListQueryDto } from '../../platform/http/pagination';
import { STANDING_PURPOSES, type StandingPurpose } from '../../platform/standing-reviews';

export const CAMPAIGN_STATUSES = ['draft', 'launching', 'active', 'closing', 'closed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const REVIEWER_STRATEGIES = ['manager', 'group_owner', 'named'] as const;
export type ReviewerStrategy = (typeof REVIEWER_STRATEGIES)[number];
export const DEFAULT_DECISIONS = ['none', 'keep', 'revoke'] as const;
export type DefaultDecision = (typeof DEFAULT_DECISIONS)[number];
export const ITEM_STATUSES = ['pending', 'decided', 'expired'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const DECISIONS = ['keep', 'revoke', 'convert_to_jit'] as const;
export type Decision = (typeof DECISIONS)[number];
export const CAMPAIGN_KINDS = ['regular', 'standing'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];
export const REMEDIATIONS = ['none', 'pending', 'held', 'done', 'failed', 'manual'] as const;
export type Remediation = (typeof REMEDIATIONS)[number];
/** `delta`: items only for memberships in scope without a valid certification (API.md). */
export const CAMPAIGN_MODES = ['full', 'delta'] as const;
export type CampaignMode = (typeof CAMPAIGN_MODES)[number];
/** How long a close certifies a kept membership when the campaign does not say (API.md). */
export const DEFAULT_CERTIFICATION_VALID_DAYS = 365;
/** The caps of one close when the campaign does not say (API.md): the rest is held. */
export const DEFAULT_MAX_REVOKE_SHARE_PER_GROUP = 0.5;
export const DEFAULT_MAX_REVOKES_PER_CLOSE = 500;
/** The window of the "no sign-in seen by JumpCloud" recommendation when the campaign does not say (API.md). */
export const DEFAULT_INACTIVE_DAYS = 60;
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

  @ApiPropertyOptional({
    description:
      'one item per JumpCloud administrator account; alone, only administrators are reviewed (always manual remediation)',
  })
  @IsOptional()
  @IsBoolean()
  administrators?: boolean;
}

/** API.md: reminders before dueAt and overdue reminders after it, in days (fractions allowed). */
export class CampaignRemindersDto {
  @ApiPropertyOptional({ type: [Number], default: [7, 3, 1] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @Min(0.00001, { each: true })
  @Max(365, { each: true })
  daysBeforeDue?: number[];

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.00001)
  @Max(365)
  overdueEveryDays?: number;
}

export class CreateCampaignDto {
  @ApiProperty() @IsUUID() connectionId!: string;

  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) name!: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;

  @ApiProperty({ type: CampaignScopeDto, description: 'empty: every group of the connection' })
  @IsDefined()
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

  @ApiPropertyOptional({ type: CampaignRemindersDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CampaignRemindersDto)
  reminders?: CampaignRemindersDto;

  @ApiPropertyOptional({ default: 0, description: 'days: the campaign closes itself at dueAt + this' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(365)
  closeAfterDueDays?: number;

  @ApiPropertyOptional({ default: 3, description: 'days after dueAt; acts only below closeAfterDueDays' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(365)
  escalateAfterDays?: number;

  @ApiPropertyOptional({
    default: 24,
    description: 'hours: launch is refused (409 stale_directory) over an older last successful sync',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(8760)
  maxSyncAgeHours?: number;

  @ApiPropertyOptional({
    enum: CAMPAIGN_MODES,
    enumName: 'CampaignMode',
    default: 'full',
    description: '`delta`: items only for memberships without a valid certification; the others are carried',
  })
  @IsOptional()
  @IsIn(CAMPAIGN_MODES)
  mode?: CampaignMode;

  // No `default:` in the document: the generated client would make the field required (default 365).
  @ApiPropertyOptional({
    description: `days: closing certifies each kept membership until this much later (fractions allowed; default ${DEFAULT_CERTIFICATION_VALID_DAYS})`,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.00001)
  @Max(3650)
  certificationValidDays?: number;

  // No `default:` in the document for the caps either (the generated client would require them).
  @ApiPropertyOptional({
    description:
      'the largest share of a group one close removes (0..1; default 0.5); the rest is held for a second admin',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  maxRevokeSharePerGroup?: number;

  @ApiPropertyOptional({
    description: 'the most removals one close applies (default 500); the rest is held for a second admin',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  maxRevokesPerClose?: number;

  // No `default:` in the document (the generated client would require it); ten years is past any use.
  @ApiPropertyOptional({
    description: `days: a membership whose member signed in to none of its group's applications within them is recommended for review (default ${DEFAULT_INACTIVE_DAYS}; JumpCloud keeps 90 days of sign-ins)`,
    minimum: 1,
    maximum: 3650,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  inactiveDays?: number;
}

/** `POST /campaigns/{id}/launch`: `force` launches over a directory older than maxSyncAgeHours (audited). */
export class LaunchCampaignDto {
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() force?: boolean;
}

export class ItemsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ITEM_STATUSES }) @IsOptional() @IsIn(ITEM_STATUSES) status?: ItemStatus;
  @ApiPropertyOptional() @IsOptional() @IsUUID() reviewerId?: string;
  @ApiPropertyOptional({ enum: DECISIONS }) @IsOptional() @IsIn(DECISIONS) decision?: Decision;
  // Beyond API.md: `held` lists what a close held for a second admin's release.
  @ApiPropertyOptional({ enum: REMEDIATIONS, enumName: 'Remediation' })
  @IsOptional()
  @IsIn(REMEDIATIONS)
  remediation?: Remediation;
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

export class CampaignProgress {
  @ApiProperty() total!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() kept!: number;
  @ApiProperty() revoked!: number;
  @ApiProperty({ description: 'decided convert_to_jit' }) converted!: number;
  @ApiProperty({ description: 'memberships a delta launch carried on their certification (not items)' })
  carried!: number;
  @ApiProperty() expired!: number;
  @ApiProperty({ description: 'revokes a close held back by the caps, until a second admin releases them' })
  held!: number;
  @ApiProperty() remediated!: number;
  @ApiProperty() remediationFailed!: number;
  @ApiProperty() manual!: number;
}

export class CampaignScopeResponse {
  @ApiProperty({ type: [String], format: 'uuid' }) groupIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) applicationIds!: string[];
  @ApiProperty() administrators!: boolean;
}

export class CampaignRemindersResponse {
  @ApiProperty({ type: [Number] }) daysBeforeDue!: number[];
  @ApiProperty() overdueEveryDays!: number;
}

export class CampaignResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: CAMPAIGN_STATUSES, enumName: 'CampaignStatus' }) status!: CampaignStatus;
  @ApiProperty({ type: CampaignScopeResponse }) scope!: CampaignScopeResponse;
  @ApiProperty({ enum: REVIEWER_STRATEGIES, enumName: 'ReviewerStrategy' })
  reviewerStrategy!: ReviewerStrategy;
  @ApiProperty({ type: [String], format: 'uuid' }) reviewerIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) fallbackReviewerIds!: string[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null for a standing campaign: never due',
  })
  dueAt!: string | null;
  @ApiProperty({ enum: DEFAULT_DECISIONS, enumName: 'DefaultDecision' }) defaultDecision!: DefaultDecision;
  @ApiProperty() autoRemediate!: boolean;
  @ApiProperty({
    enum: CAMPAIGN_KINDS,
    enumName: 'CampaignKind',
    description: '`standing`: one per connection and purpose, fed by events, never due nor closed',
  })
  kind!: CampaignKind;
  @ApiProperty({
    enum: STANDING_PURPOSES,
    enumName: 'StandingPurpose',
    nullable: true,
    description:
      "a standing campaign's purpose (`Break-glass reviews`, `Drift reviews`); null for a regular one",
  })
  purpose!: StandingPurpose | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) launchedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt!: string | null;
  @ApiProperty({ type: CampaignProgress }) progress!: CampaignProgress;
  @ApiProperty({ type: CampaignRemindersResponse }) reminders!: CampaignRemindersResponse;
  @ApiProperty({ description: 'days after dueAt the campaign closes itself' }) closeAfterDueDays!: number;
  @ApiProperty({ description: 'days after dueAt pending items are escalated' }) escalateAfterDays!: number;
  @ApiProperty({ description: 'hours: the oldest last successful sync a launch accepts' })
  maxSyncAgeHours!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'the template that made it' })
  templateId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "the template's period, e.g. 2027-Q1" })
  period!: string | null;
  @ApiProperty({ enum: CAMPAIGN_MODES, enumName: 'CampaignMode' }) mode!: CampaignMode;
  @ApiProperty({ description: 'days a close certifies each kept membership' })
  certificationValidDays!: number;
  @ApiProperty() maxRevokeSharePerGroup!: number;
  @ApiProperty() maxRevokesPerClose!: number;
  @ApiProperty({
    description: 'days of no sign-in seen by JumpCloud that make the inactivity recommendation',
  })
  inactiveDays!: number;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'who asked for the close; null while open or when the system closed it',
  })
  closedBy!: string | null;
}

export class ReviewItemManager {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
}

export class ReviewItemAccount {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty({ description: '`user` or `admin`' }) kind!: string;
  @ApiProperty({ description: 'as JumpCloud gives it: `ACTIVATED`, `SUSPENDED` or `STAGED`' }) state!: string;
  @ApiProperty({ type: String, nullable: true }) department!: string | null;
  @ApiProperty({ type: String, nullable: true }) jobTitle!: string | null;
  @ApiProperty({ type: ReviewItemManager, nullable: true }) manager!: ReviewItemManager | null;
  @ApiProperty({ description: "the member's email also has a JumpCloud administrator account" })
  isAdministrator!: boolean;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'the MFA state JumpCloud reported for the account at launch; null when it said nothing',
  })
  mfaConfigured!: boolean | null;
  @ApiProperty({ type: [String], description: "an administrator account's JumpCloud roles (else empty)" })
  adminRoles!: string[];
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      "the account's last sign-in JumpCloud recorded (its user portal or an SSO application; Directory Insights keeps 90 days), as of the last read; null: none seen or not read",
  })
  lastSignInAt!: string | null;
}

export class ReviewItemApplication extends IdNameResponse {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "the account's last sign-in to this application through JumpCloud SSO; null: none seen",
  })
  lastSignInAt!: string | null;
}

export class ReviewItemGroup {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() membershipMethod!: string;
  @ApiProperty({ type: [ReviewItemApplication] }) applications!: ReviewItemApplication[];
}

export class Recommendation {
  @ApiProperty({ enum: ['keep', 'revoke', 'review'] }) value!: 'keep' | 'revoke' | 'review';
  @ApiProperty() reason!: string;
}

export class ReviewItemResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ type: CampaignRefResponse }) campaign!: CampaignRefResponse;
  @ApiProperty({ type: ReviewItemAccount }) account!: ReviewItemAccount;
  @ApiProperty({ type: ReviewItemGroup, nullable: true, description: 'null for an administrator account' })
  group!: ReviewItemGroup | null;
  @ApiProperty({ format: 'date-time' }) membershipSince!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) grantId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reviewerId!: string | null;
  @ApiProperty({ enum: ITEM_STATUSES, enumName: 'ReviewItemStatus' }) status!: ItemStatus;
  @ApiProperty({ enum: DECISIONS, enumName: 'Decision', nullable: true }) decision!: Decision | null;
  @ApiProperty({ type: String, nullable: true }) justification!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) decidedAt!: string | null;
  @ApiProperty() override!: boolean;
  @ApiProperty({ enum: REMEDIATIONS, enumName: 'Remediation' }) remediation!: Remediation;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) remediatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'what a person must do by hand, when manual' })
  remediationNote!: string | null;
  @ApiProperty({ type: Recommendation, nullable: true }) recommendation!: Recommendation | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'until when the membership is certified: the certification in force at launch, or the one a kept decision got at close',
  })
  certifiedUntil!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RejectedDecision {
  @ApiProperty({ format: 'uuid' }) itemId!: string;
  @ApiProperty() reason!: string;
}

export class BulkDecisionResult {
  @ApiProperty() applied!: number;
  @ApiProperty({ type: [RejectedDecision] }) rejected!: RejectedDecision[];
}
