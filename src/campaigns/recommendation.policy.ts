/**
 * Review recommendations (API.md review item `recommendation`): what the directory knows about a
 * membership that a reviewer should weigh, each with its reason. The first rule that holds wins.
 *
 * Each rule is written twice, side by side: `holds` for a single membership (unit-tested) and `sql`,
 * the same condition over the launch's aliases (`v` the directory_membership_view row, `adm` the
 * member's administrator account when there is one, `ce` the certification in force for the
 * membership), so a launch computes it set-wise. An integration spec checks the launch agrees.
 *
 * There is no "joined recently" rule: a connection's baseline sync dates every membership to the day
 * jumpgate first looked, so "recent" would be wrong for all of them.
 */
export interface RecommendationFacts {
  state: string;
  /** The member's email also has a JumpCloud administrator account. */
  isAdministrator: boolean;
  /** The member account's MFA state as JumpCloud reports it (null: not reported). */
  mfaConfigured: boolean | null;
  department: string | null;
  managerAccountId: string | null;
  /** The member as its certification in force recorded it; null when there is none. */
  certified: { department: string | null; managerAccountId: string | null } | null;
}

export type RecommendationValue = 'keep' | 'revoke' | 'review';

export interface Recommendation {
  value: RecommendationValue;
  reason: string;
}

interface Rule extends Recommendation {
  holds: (f: RecommendationFacts) => boolean;
  sql: string;
}

export const RECOMMENDATION_RULES: readonly Rule[] = [
  {
    value: 'revoke',
    reason: 'The account is suspended',
    holds: (f) => f.state === 'SUSPENDED',
    sql: `v.state = 'SUSPENDED'`,
  },
  {
    value: 'review',
    reason: 'A JumpCloud administrator without MFA',
    holds: (f) => f.isAdministrator && f.mfaConfigured === false,
    sql: `adm.email IS NOT NULL AND v.mfa_configured IS FALSE`,
  },
  {
    value: 'review',
    reason: 'The department changed since the last certification',
    holds: (f) => f.certified !== null && f.certified.department !== f.department,
    sql: `ce.id IS NOT NULL AND ce.department IS DISTINCT FROM v.department`,
  },
  {
    value: 'review',
    reason: 'The manager changed since the last certification',
    holds: (f) => f.certified !== null && f.certified.managerAccountId !== f.managerAccountId,
    sql: `ce.id IS NOT NULL AND ce.manager_account_id IS DISTINCT FROM v.manager_account_id`,
  },
];

/** The recommendation for one membership, or null when nothing stands out. */
export function recommend(f: RecommendationFacts): Recommendation | null {
  const rule = RECOMMENDATION_RULES.find((r) => r.holds(f));
  return rule ? { value: rule.value, reason: rule.reason } : null;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The rules as two SQL CASE expressions (value, reason) over the launch's aliases. */
export function recommendationSql(): { value: string; reason: string } {
  const when = (pick: (r: Rule) => string): string =>
    `CASE ${RECOMMENDATION_RULES.map((r) => `WHEN ${r.sql} THEN ${quote(pick(r))}`).join(' ')} END`;
  return { value: when((r) => r.value), reason: when((r) => r.reason) };
}
