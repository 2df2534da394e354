import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

export const PROGRESS_BY = ['reviewer', 'group'] as const;
export type ProgressBy = (typeof PROGRESS_BY)[number];

export class ProgressQueryDto {
  @ApiProperty({ enum: PROGRESS_BY }) @IsIn(PROGRESS_BY) by!: ProgressBy;
}

export class ProgressKeyResponse {
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'null: items with no reviewer' })
  id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "the reviewer's display name (else email)" })
  name!: string | null;
}

/** One reviewer's or group's counts of a campaign's items (API.md `GET /campaigns/{id}/progress`). */
export class ProgressEntryResponse {
  @ApiProperty({ type: ProgressKeyResponse }) key!: ProgressKeyResponse;
  @ApiProperty() total!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() kept!: number;
  @ApiProperty() revoked!: number;
  @ApiProperty() converted!: number;
  @ApiProperty() expired!: number;
}

export class CampaignProgressListResponse {
  @ApiProperty({ type: [ProgressEntryResponse] }) items!: ProgressEntryResponse[];
}

export class CampaignRefResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null for a standing campaign: never due',
  })
  dueAt!: string | null;
}

/** A reviewer's own progress in one campaign (API.md `GET /reviews/summary`). */
export class ReviewSummaryEntryResponse {
  @ApiProperty({ type: CampaignRefResponse }) campaign!: CampaignRefResponse;
  @ApiProperty() total!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() decided!: number;
}

export class ReviewsSummaryResponse {
  @ApiProperty({ type: [ReviewSummaryEntryResponse] }) items!: ReviewSummaryEntryResponse[];
}

export class PreviewReviewerResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'null: no principal has this email yet; the launch creates it (manager strategy)',
  })
  id!: string | null;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty() email!: string;
  @ApiProperty() items!: number;
}

/** What a launch of this body would make, without creating anything (API.md `POST /campaigns/preview`). */
export class CampaignPreviewResponse {
  @ApiProperty() items!: number;
  @ApiProperty({ description: 'groups with at least one item' }) groups!: number;
  @ApiProperty({ type: [PreviewReviewerResponse], description: 'most items first' })
  reviewers!: PreviewReviewerResponse[];
  @ApiProperty({ description: 'items that go to a fallback reviewer' }) fallbackItems!: number;
  @ApiProperty({ description: 'items no reviewer may take (every fallback is the member)' })
  unassignedItems!: number;
  @ApiPropertyOptional({
    description:
      '`mode: "delta"` only: memberships in scope that a launch now would carry on a valid certification instead of making items of (not in `items`)',
  })
  carried?: number;
}
