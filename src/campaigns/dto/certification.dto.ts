import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';
import { type CertificationRow } from '../certifications.repository';

export class CertificationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() accountId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() groupId?: string;
}

/** A membership's certification in force (API.md "Campaigns that run themselves"). */
export class CertificationResponse {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ format: 'uuid', description: 'the campaign whose close certified it' }) campaignId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'who decided keep' })
  reviewerId!: string | null;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'past: expired (a delta campaign reviews it again)' })
  certifiedUntil!: string;
}

export function toCertificationResponse(r: CertificationRow): CertificationResponse {
  return {
    accountId: r.account_id,
    groupId: r.group_id,
    campaignId: r.campaign_id,
    reviewerId: r.reviewer_id,
    decidedAt: r.decided_at.toISOString(),
    certifiedUntil: r.certified_until.toISOString(),
  };
}
