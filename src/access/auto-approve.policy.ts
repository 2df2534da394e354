import { AppError } from '../platform/http/app-error';

/** A rule that approves a matching request at once (API.md "Just-in-time additions"). */
export interface AutoApproveRule {
  requesterInGroupIds?: string[];
  departments?: string[];
  maxDurationMinutes: number;
  forOthers?: boolean;
}

/** What a rule is matched against, read when the request is made. */
export interface RequestFacts {
  /** The request is for the requester's own account. */
  self: boolean;
  durationMinutes: number;
  /** The requester's department in the group's connection. */
  department: string | null;
  /** Of the groups the rules name, those the requester's account is a member of. */
  requesterGroupIds: ReadonlySet<string>;
}

/**
 * A policy's rules in force: its `autoApproveRules`, then, for the older `autoApprove: true`, one rule
 * with no conditions for self-requests up to the policy's maximum (its index follows the others).
 */
export function effectiveRules(p: {
  auto_approve_rules: AutoApproveRule[] | null;
  auto_approve: boolean;
  max_duration_minutes: number;
}): AutoApproveRule[] {
  return [
    ...(p.auto_approve_rules ?? []),
    ...(p.auto_approve ? [{ maxDurationMinutes: p.max_duration_minutes }] : []),
  ];
}

const norm = (s: string): string => s.trim().toLowerCase();

/** The index of the first rule the request matches, or null. A request for someone else needs `forOthers`. */
export function matchingRule(rules: AutoApproveRule[], f: RequestFacts): number | null {
  const i = rules.findIndex(
    (r) =>
      (f.self || r.forOthers === true) &&
      f.durationMinutes <= r.maxDurationMinutes &&
      (!r.departments?.length ||
        (f.department !== null && r.departments.map(norm).includes(norm(f.department)))) &&
      (!r.requesterInGroupIds?.length || r.requesterInGroupIds.some((g) => f.requesterGroupIds.has(g))),
  );
  return i < 0 ? null : i;
}

/** Rules as saved: none above the policy's maximum duration; groups deduplicated. */
export function checkRules(
  rules: AutoApproveRule[] | undefined,
  maxDurationMinutes: number,
): AutoApproveRule[] | null {
  if (rules === undefined) return null;
  return rules.map((r, i) => {
    if (r.maxDurationMinutes > maxDurationMinutes) {
      throw new AppError(
        'validation_failed',
        `autoApproveRules[${i}].maxDurationMinutes may not exceed maxDurationMinutes (${maxDurationMinutes})`,
      );
    }
    return {
      ...(r.requesterInGroupIds ? { requesterInGroupIds: [...new Set(r.requesterInGroupIds)] } : {}),
      ...(r.departments ? { departments: r.departments } : {}),
      maxDurationMinutes: r.maxDurationMinutes,
      ...(r.forOthers === undefined ? {} : { forOthers: r.forOthers }),
    };
  });
}
