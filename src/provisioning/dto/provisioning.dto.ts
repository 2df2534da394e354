import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';
import { OPERATION_SOURCE_TYPES, type OperationSourceType } from '../provisioning.events';

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'manual'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
/** What JumpCloud showed when the operation succeeded (see ProvisioningOperationSettledEvent). */
export const OPERATION_RESULTS = ['added', 'already_member', 'removed', 'not_member'] as const;
export type OperationResult = (typeof OPERATION_RESULTS)[number];

export class OperationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: OPERATION_STATUSES })
  @IsOptional()
  @IsIn(OPERATION_STATUSES)
  status?: OperationStatus;

  @ApiPropertyOptional() @IsOptional() @IsUUID() connectionId?: string;
  @ApiPropertyOptional({ enum: OPERATION_SOURCE_TYPES })
  @IsOptional()
  @IsIn(OPERATION_SOURCE_TYPES)
  sourceType?: OperationSourceType;
  @ApiPropertyOptional() @IsOptional() @IsUUID() sourceId?: string;
}

export class OperationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) connectionId!: string;
  @ApiProperty({ enum: ['add_member', 'remove_member'] }) action!: 'add_member' | 'remove_member';
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ enum: OPERATION_SOURCE_TYPES }) sourceType!: OperationSourceType;
  @ApiProperty({ format: 'uuid' }) sourceId!: string;
  @ApiProperty({ enum: OPERATION_STATUSES, enumName: 'OperationStatus' }) status!: OperationStatus;
  @ApiProperty({ description: 'write calls made to JumpCloud' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ enum: ['pending', 'confirmed', 'contradicted'], description: 'set by the next sync' })
  verification!: 'pending' | 'confirmed' | 'contradicted';
  @ApiProperty({
    enum: OPERATION_RESULTS,
    nullable: true,
    description:
      'Beyond API.md: `already_member` says an add found the member there already and wrote nothing',
  })
  result!: OperationResult | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
}
