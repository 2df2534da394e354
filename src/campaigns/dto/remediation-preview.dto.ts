import { ApiProperty } from '@nestjs/swagger';
import { IdNameResponse } from '../../platform/http/openapi';

export const REMEDIATION_WARNING_CODES = [
  'group_bound_to_applications',
  'administrator_account',
  'group_would_become_empty',
  'manual_remediation',
] as const;
export type RemediationWarningCode = (typeof REMEDIATION_WARNING_CODES)[number];

/** One group's removals as a close would apply them (API.md `GET /campaigns/{id}/remediation-preview`). */
export class RemediationPreviewGroup {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'live members of the group in the directory now' }) memberCount!: number;
  @ApiProperty({ description: 'memberships of this group the close removes (or removed)' }) removals!: number;
  @ApiProperty({ description: 'removals / memberCount (1 when the group has no live member)' })
  share!: number;
  @ApiProperty({ description: 'of these removals, those the caps hold (or held)' }) held!: number;
}

/**
 * Something an admin should look at before a close: `group_bound_to_applications` (removals from a group
 * that grants applications: `applications` lists them), `administrator_account` (a removal whose member
 * is also a JumpCloud administrator; `groupId` null: an administrator account of the administrators
 * scope, remediated by hand), `group_would_become_empty` (the removals take every live member),
 * `manual_remediation` (the campaign does not auto-remediate: nothing is removed by jumpgate).
 */
export class RemediationWarning {
  @ApiProperty({ enum: REMEDIATION_WARNING_CODES, enumName: 'RemediationWarningCode' })
  code!: RemediationWarningCode;
  @ApiProperty({ description: 'a sentence for people' }) message!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) groupId!: string | null;
  @ApiProperty({ type: String, nullable: true }) groupName!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId!: string | null;
  @ApiProperty({ type: String, nullable: true }) accountEmail!: string | null;
  @ApiProperty({ type: [IdNameResponse] }) applications!: IdNameResponse[];
}

export class ReleaseApproval {
  @ApiProperty({ format: 'uuid' }) principalId!: string;
  @ApiProperty({ format: 'date-time' }) approvedAt!: string;
}

/** Who must release what a close held, and who already approved. */
export class HeldRelease {
  @ApiProperty({ description: '1 when a person closed the campaign, 2 when the system did' })
  approvalsRequired!: number;
  @ApiProperty({ type: [ReleaseApproval] }) approvals!: ReleaseApproval[];
}

export class RemediationPreviewResponse {
  @ApiProperty({ type: [RemediationPreviewGroup] }) groups!: RemediationPreviewGroup[];
  @ApiProperty({ description: 'removals in all groups' }) total!: number;
  @ApiProperty({ description: 'removals the caps would hold (once closed: those held now)' })
  wouldHold!: number;
  @ApiProperty({ type: [RemediationWarning] }) warnings!: RemediationWarning[];
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'who closed it; null: the system or not closed',
  })
  closedBy!: string | null;
  @ApiProperty({ type: HeldRelease }) release!: HeldRelease;
}
