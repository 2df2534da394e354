import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CampaignRemindersResponse,
  CampaignScopeResponse,
  CreateCampaignDto,
  DEFAULT_DECISIONS,
  type DefaultDecision,
  REVIEWER_STRATEGIES,
  type ReviewerStrategy,
} from '../../dto/campaign.dto';

export const TEMPLATE_MODES = ['full', 'delta'] as const;
export type TemplateMode = (typeof TEMPLATE_MODES)[number];

export class TemplateScheduleDto {
  @ApiProperty({ minimum: 1, maximum: 12, description: 'a period every this many months' })
  @IsInt()
  @Min(1)
  @Max(12)
  everyMonths!: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 28,
    default: 1,
    description: 'periods start 00:00 UTC on this day',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(28)
  dayOfMonth?: number;
}

/**
 * `POST /campaign-templates`: a campaign body without `dueAt` (each period's campaign is due
 * `durationDays` after its launch), with its schedule and mode.
 */
export class CreateCampaignTemplateDto extends OmitType(CreateCampaignDto, ['dueAt'] as const) {
  // Room for the period the campaigns' names add (" 2027-Q1") within a campaign name's 200.
  @ApiProperty({ maxLength: 190 }) @IsString() @IsNotEmpty() @MaxLength(190) override name!: string;

  @ApiProperty({ type: TemplateScheduleDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => TemplateScheduleDto)
  schedule!: TemplateScheduleDto;

  @ApiProperty({ description: 'days from launch to dueAt (fractions allowed)', maximum: 365 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(365)
  durationDays!: number;

  // `mode` (and certificationValidDays, inactiveDays) come with the campaign fields: a template hands them to its campaigns.
}

/** `PATCH /campaign-templates/{id}`: any field but the connection; lists and objects are replaced whole. */
export class UpdateCampaignTemplateDto extends PartialType(
  OmitType(CreateCampaignTemplateDto, ['connectionId'] as const),
) {}

export class TemplateScheduleResponse {
  @ApiProperty() everyMonths!: number;
  @ApiProperty() dayOfMonth!: number;
}

export class TemplatePeriodResponse {
  @ApiProperty({ description: 'e.g. 2027-Q1; the name of its campaign is the template name + " " + this' })
  key!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
}

export class CampaignTemplateResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: CampaignScopeResponse }) scope!: CampaignScopeResponse;
  @ApiProperty({ enum: REVIEWER_STRATEGIES, enumName: 'ReviewerStrategy' })
  reviewerStrategy!: ReviewerStrategy;
  @ApiProperty({ type: [String], format: 'uuid' }) reviewerIds!: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) fallbackReviewerIds!: string[];
  @ApiProperty({ enum: DEFAULT_DECISIONS, enumName: 'DefaultDecision' }) defaultDecision!: DefaultDecision;
  @ApiProperty() autoRemediate!: boolean;
  @ApiProperty({ type: CampaignRemindersResponse }) reminders!: CampaignRemindersResponse;
  @ApiProperty() closeAfterDueDays!: number;
  @ApiProperty() escalateAfterDays!: number;
  @ApiProperty() maxSyncAgeHours!: number;
  @ApiProperty() maxRevokeSharePerGroup!: number;
  @ApiProperty() maxRevokesPerClose!: number;
  @ApiProperty({ type: TemplateScheduleResponse }) schedule!: TemplateScheduleResponse;
  @ApiProperty() durationDays!: number;
  @ApiProperty({ enum: TEMPLATE_MODES, enumName: 'CampaignMode' }) mode!: TemplateMode;
  @ApiProperty({ description: "days each campaign's close certifies a kept membership for" })
  certificationValidDays!: number;
  @ApiProperty({
    description: "days of no sign-in seen by JumpCloud that make each campaign's inactivity recommendation",
  })
  inactiveDays!: number;
  @ApiProperty({ type: TemplatePeriodResponse, description: 'the period in progress now' })
  currentPeriod!: TemplatePeriodResponse;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'when the next campaign is due to be made: the start of the first period not yet launched',
  })
  nextLaunchAt!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
