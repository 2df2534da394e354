import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type ChangedBy as ChangedByValue } from '../../platform/drift';
/** Membership history items (API.md "Provisioning and audit", `.../history`) and their row mapper. */

export class HistorySource {
  @ApiProperty({ enum: ['sync', 'operation'] }) type!: 'sync' | 'operation';
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class ChangedBy {
  @ApiProperty({ enum: ['admin', 'api_key', 'scim', 'jumpgate', 'unknown'] })
  type!: 'admin' | 'api_key' | 'scim' | 'jumpgate' | 'unknown';
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() name?: string;
}

/** One membership change. */
export class MembershipHistoryItem {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ enum: ['added', 'removed'] }) action!: 'added' | 'removed';
  @ApiProperty({ type: HistorySource }) source!: HistorySource;
  @ApiProperty({ description: 'the change was not made by jumpgate: a sync saw it happen in JumpCloud' })
  outside!: boolean;
  /**
   * Who made the change: jumpgate for its own; for the others, what JumpCloud's Directory Insights
   * says (`unknown` when it was read and no event names anyone), or null when it could not be read.
   */
  @ApiProperty({ type: ChangedBy, nullable: true }) changedBy!: ChangedBy | null;
}

export interface HistoryRow {
  id: string;
  at: Date;
  ck: string;
  account_id: string;
  group_id: string;
  change: 'added' | 'removed';
  run_id: string | null;
  operation_id: string | null;
  changed_by_type: 'admin' | 'api_key' | 'scim' | 'unknown' | null;
  changed_by_email: string | null;
  changed_by_name: string | null;
}

/** Who made a change jumpgate did not make, from the row's attribution columns (null: nobody could tell). */
export function changedByOfRow(r: {
  changed_by_type: 'admin' | 'api_key' | 'scim' | 'unknown' | null;
  changed_by_email: string | null;
  changed_by_name: string | null;
}): ChangedByValue | null {
  if (r.changed_by_type === null) return null;
  return {
    type: r.changed_by_type,
    ...(r.changed_by_email !== null ? { email: r.changed_by_email } : {}),
    ...(r.changed_by_name !== null ? { name: r.changed_by_name } : {}),
  };
}

export function toHistoryItem(r: HistoryRow): MembershipHistoryItem {
  // A row with an operation is a change jumpgate made (written when the operation succeeded); the
  // others were seen by a sync, and a sync never records a change jumpgate made (see the merge).
  const byJumpgate = r.operation_id !== null;
  return {
    at: r.at.toISOString(),
    accountId: r.account_id,
    groupId: r.group_id,
    action: r.change,
    source: byJumpgate
      ? { type: 'operation', id: r.operation_id as string }
      : { type: 'sync', id: r.run_id as string },
    outside: !byJumpgate,
    changedBy: byJumpgate ? { type: 'jumpgate' } : changedByOfRow(r),
  };
}
