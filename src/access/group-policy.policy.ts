import { AppError } from '../platform/http/app-error';
import { REQUEST_TTL_HOURS } from './access-request.policy';
import { checkSteps } from './approval-steps.policy';
import { checkRules } from './auto-approve.policy';
import { type PolicyResponse, type PutPolicyDto } from './dto/access.dto';
import { DEFAULT_OUT_OF_BAND_ADDS } from './drift.policy';
import { type PolicyValues } from './group-policies.repository';

/** API.md "Notifications": grant_expiring this many minutes before expiry unless the policy says otherwise. */
export const DEFAULT_WARN_BEFORE_EXPIRY_MINUTES = 10;

/**
 * The checks of a policy that need nothing but the request and MAX_GRANT_MINUTES, and the values it
 * is saved with: owners and approvers deduplicated, approvers left null when they default to the owners.
 */
export function checkPolicy(dto: PutPolicyDto, maxGrantMinutes: number): PolicyValues {
  if (dto.maxDurationMinutes > maxGrantMinutes) {
    throw new AppError(
      'validation_failed',
      `maxDurationMinutes may be at most MAX_GRANT_MINUTES (${maxGrantMinutes})`,
    );
  }
  if (dto.defaultDurationMinutes !== undefined && dto.defaultDurationMinutes > dto.maxDurationMinutes) {
    throw new AppError('validation_failed', 'defaultDurationMinutes may not exceed maxDurationMinutes');
  }
  if (dto.warnBeforeExpiryMinutes !== undefined && dto.warnBeforeExpiryMinutes > maxGrantMinutes) {
    throw new AppError(
      'validation_failed',
      `warnBeforeExpiryMinutes may be at most MAX_GRANT_MINUTES (${maxGrantMinutes})`,
    );
  }
  const owners = [...new Set(dto.ownerIds)];
  const approvers = dto.approverIds ? [...new Set(dto.approverIds)] : null;
  const effectiveApprovers = approvers ?? owners;
  const required = dto.approvalsRequired ?? 1;
  if ((dto.requestable || dto.approvalsRequired !== undefined) && required > effectiveApprovers.length) {
    throw new AppError(
      'validation_failed',
      `approvalsRequired (${required}) may not exceed the number of approvers (${effectiveApprovers.length})`,
    );
  }
  return {
    ownerIds: owners,
    requestable: dto.requestable,
    maxDurationMinutes: dto.maxDurationMinutes,
    defaultDurationMinutes: dto.defaultDurationMinutes ?? null,
    approverIds: approvers,
    approvalsRequired: required,
    requireJustification: dto.requireJustification,
    autoApprove: dto.autoApprove ?? false,
    eligibleGroupIds: dto.eligibleGroupIds ? [...new Set(dto.eligibleGroupIds)] : null,
    warnBeforeExpiryMinutes: dto.warnBeforeExpiryMinutes ?? DEFAULT_WARN_BEFORE_EXPIRY_MINUTES,
    approvalSteps: checkSteps(dto.approvalSteps, effectiveApprovers.length),
    autoApproveRules: checkRules(dto.autoApproveRules, dto.maxDurationMinutes),
    requestTtlHours: dto.requestTtlHours ?? REQUEST_TTL_HOURS,
    breakGlass: checkBreakGlass(dto.breakGlass, maxGrantMinutes),
    eligibleAccountIds: [...new Set(dto.eligibleAccountIds ?? [])],
    outOfBandAdds: dto.outOfBandAdds ?? DEFAULT_OUT_OF_BAND_ADDS,
  };
}

/** Every principal a policy names (owners and effective approvers), once each. */
export const principalsOf = (v: PolicyValues): string[] => [
  ...new Set([...v.ownerIds, ...(v.approverIds ?? v.ownerIds)]),
];

/** A group without a policy yet is simply not requestable. */
export function noPolicy(groupId: string, maxGrantMinutes: number): PolicyResponse {
  return {
    groupId,
    ownerIds: [],
    requestable: false,
    maxDurationMinutes: maxGrantMinutes,
    defaultDurationMinutes: maxGrantMinutes,
    approverIds: [],
    approvalsRequired: 1,
    requireJustification: false,
    autoApprove: false,
    eligibleGroupIds: null,
    warnBeforeExpiryMinutes: DEFAULT_WARN_BEFORE_EXPIRY_MINUTES,
    approvalSteps: [{ kind: 'approvers', required: 1 }],
    autoApproveRules: [],
    requestTtlHours: REQUEST_TTL_HOURS,
    breakGlass: null,
    eligibleAccountIds: [],
    outOfBandAdds: DEFAULT_OUT_OF_BAND_ADDS,
    updatedAt: null,
  };
}

/**
 * Whether an account may request a group under its policy's eligibility: any account when the policy
 * names no eligible groups, else a member of one of them (`memberOfEligibleGroup`) or an account named
 * in eligible_account_ids (a convert_to_jit decision put it there).
 */
export function isEligible(
  p: { eligible_group_ids: string[] | null; eligible_account_ids: string[] },
  accountId: string,
  memberOfEligibleGroup: boolean,
): boolean {
  if (!p.eligible_group_ids?.length) return true;
  return memberOfEligibleGroup || p.eligible_account_ids.includes(accountId);
}

/** A group named in ADMIN_GROUPS or AUDITOR_GROUPS (by JumpCloud id) gives a role: never requestable. */
export const isRoleGroup = (
  config: { adminGroups: readonly string[]; auditorGroups: readonly string[] },
  externalId: string,
): boolean => config.adminGroups.includes(externalId) || config.auditorGroups.includes(externalId);

/** A policy's break-glass as saved: none when not given; its maximum within MAX_GRANT_MINUTES. */
export function checkBreakGlass(
  bg: { enabled: boolean; maxDurationMinutes: number } | null | undefined,
  maxGrantMinutes: number,
): { enabled: boolean; maxDurationMinutes: number } | null {
  if (!bg) return null;
  if (bg.maxDurationMinutes > maxGrantMinutes) {
    throw new AppError(
      'validation_failed',
      `breakGlass.maxDurationMinutes may be at most MAX_GRANT_MINUTES (${maxGrantMinutes})`,
    );
  }
  return { enabled: bg.enabled, maxDurationMinutes: bg.maxDurationMinutes };
}
