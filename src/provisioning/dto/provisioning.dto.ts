import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { ListQueryDto } from '../../platform/http/pagination';

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'manual'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
/** What JumpCloud showed when the operation succeeded (see ProvisioningOperationSettledEvent). */
export type OperationResult = 'added' | 'already_member' | 'removed' | 'not_member';

export class OperationsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: OPERATION_STATUSES })
  @IsOptional()
  @IsIn(OPERATION_STATUSES)
  status?: OperationStatus;

  @ApiPropertyOptional() @IsOptional() @IsUUID() connectionId?: string;
  @ApiPropertyOptional({ enum: ['review_item', 'grant'] })
  @IsOptional()
  @IsIn(['review_item', 'grant'])
  sourceType?: 'review_item' | 'grant';
  @ApiPropertyOptional() @IsOptional() @IsUUID() sourceId?: string;
}

export interface OperationResponse {
  id: string;
  connectionId: string;
  action: 'add_member' | 'remove_member';
  accountId: string;
  groupId: string;
  reason: string;
  sourceType: 'review_item' | 'grant';
  sourceId: string;
  status: OperationStatus;
  attempts: number;
  lastError: string | null;
  verification: 'pending' | 'confirmed' | 'contradicted';
  /** Beyond API.md: `already_member` says an add found the member there already and wrote nothing. */
  result: OperationResult | null;
  createdAt: string;
  completedAt: string | null;
}
