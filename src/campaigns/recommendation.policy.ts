/**
 * Review recommendations (API.md review item `recommendation`): what the directory knows about a
 * membership that a reviewer should weigh, each with its reason. The first rule that holds wins.
 *
 * Each rule is written twice, side by side: `holds` for a single membership (unit-tested) and `sql`,
 * the same condition over the launch's aliases (`v` the directory_membership_view row, `adm` the
 * member's administrator account when there is one, `ce` the certification in force for the
 * membership, `apps` the group's applications with `names`, `act` the campaign's `days` and the
 * connection's activity `covered_from`, `ap` a sign-in by the member to one of the group's
 * applications within `days`), so a launch computes it set-wise; likewise its reason. An integration
 * spec (test/campaigns/inactive-recommendation.spec.ts) checks the launch agrees.
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
  /**
   * Sign-ins to the applications the membership's group grants, as Directory Insights showed them;
   * null when the connection's activity cannot be trusted (insights not `readable`, or never read).
   */
  activity: MembershipActivity | null;
}

export interface MembershipActivity {
  /** The campaign's `inactiveDays`. */
  inactiveDays: number;
  /** Epoch ms: the launch's clock. */
  now: number;
  /** Epoch ms: the oldest moment the connection's activity reads cover. */
  coveredFrom: number;
  /** The group's applications in the item's order (by name), each with the member's last sign-in (ms). */
  applications: { name: string; lastSignInAt: number | null }[];
}

/** Directory Insights keeps 90 days of events: no reason claims a longer silence than that. */
export const INSIGHTS_DAYS = 90;
const DAY_MS = 24 * 3600_000;

export type RecommendationValue = 'keep' | 'revoke' | 'review';

export interface Recommendation {
  value: RecommendationValue;
  reason: string;
}

interface Rule {
  value: RecommendationValue;
  holds: (f: RecommendationFacts) => boolean;
  sql: string;
  /** The reason for a membership the rule holds for, and the same as SQL over the launch's aliases. */
  reason: (f: RecommendationFacts) => string;
  reasonSql: string;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A reason that reads the same for every membership. */
const fixed = (text: string): Pick<Rule, 'reason' | 'reasonSql'> => ({
  reason: () => text,
  reasonSql: quote(text),
});

/** "A", "A or B", "A, B or C", "A, B, C or 2 other applications": the group's applications, by name. */
export function applicationList(names: readonly string[]): string {
  if (names.length <= 3)
    return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  const more = names.length - 3;
  return `${names.slice(0, 3).join(', ')} or ${more} other application${more === 1 ? '' : 's'}`;
}

/** applicationList over a SQL text[] expression with at least one element. */
export function applicationListSql(a: string): string {
  const n = `cardinality(${a})`;
  return `CASE WHEN ${n} = 1 THEN ${a}[1]
    WHEN ${n} <= 3 THEN array_to_string(${a}[1:${n} - 1], ', ') || ' or ' || ${a}[${n}]
    ELSE array_to_string(${a}[1:3], ', ') || ' or ' || (${n} - 3)::text
      || CASE WHEN ${n} = 4 THEN ' other application' ELSE ' other applications' END END`;
}

/**
 * Honest about what JumpCloud sees: only sign-ins made through it (SSO and its portal), and only for
 * 90 days, so a campaign asking for 120 days of silence is told 90 ("all it keeps"), never 120.
 */
export function inactivityReason(names: readonly string[], inactiveDays: number): string {
  const days = Math.min(inactiveDays, INSIGHTS_DAYS);
  const all = inactiveDays > INSIGHTS_DAYS ? ', all it keeps' : '';
  return `No sign-in to ${applicationList(names)} seen by JumpCloud in ${days} days${all} (it sees only sign-ins made through JumpCloud)`;
}

const inactivityReasonSql = `'No sign-in to ' || ${applicationListSql('apps.names')} || ' seen by JumpCloud in '
    || LEAST(act.days, ${INSIGHTS_DAYS})::text || ' days'
    || CASE WHEN act.days > ${INSIGHTS_DAYS} THEN ', all it keeps' ELSE '' END
    || ' (it sees only sign-ins made through JumpCloud)'`;

/**
 * No sign-in to any of the group's applications within inactiveDays. Only when the reads cover the
 * window claimed (the first read reaches 90 days back, so this holds once activity was read at all).
 */
function inactive(f: RecommendationFacts): boolean {
  const a = f.activity;
  if (a === null || a.applications.length === 0) return false;
  if (a.coveredFrom > a.now - Math.min(a.inactiveDays, INSIGHTS_DAYS) * DAY_MS) return false;
  const since = a.now - a.inactiveDays * DAY_MS;
  return a.applications.every((app) => app.lastSignInAt === null || app.lastSignInAt <= since);
}

export const RECOMMENDATION_RULES: readonly Rule[] = [
  {
    value: 'revoke',
    ...fixed('The account is suspended'),
    holds: (f) => f.state === 'SUSPENDED',
    sql: `v.state = 'SUSPENDED'`,
  },
  {
    value: 'review',
    ...fixed('A JumpCloud administrator without MFA'),
    holds: (f) => f.isAdministrator && f.mfaConfigured === false,
    sql: `adm.email IS NOT NULL AND v.mfa_configured IS FALSE`,
  },
  // Before the certification changes: access nobody uses is the most direct sign a membership can go,
  // while a new department or manager only suggests it. `review`, not `revoke`: JumpCloud does not see
  // sign-ins made around it (an application's own login, an API token), so silence is not proof.
  {
    value: 'review',
    reason: (f) =>
      inactivityReason(f.activity?.applications.map((a) => a.name) ?? [], f.activity?.inactiveDays ?? 0),
    reasonSql: inactivityReasonSql,
    holds: inactive,
    sql: `act.covered_from <= now() - LEAST(act.days, ${INSIGHTS_DAYS}) * interval '1 day'
      AND apps.group_id IS NOT NULL AND ap.account_id IS NULL`,
  },
  {
    value: 'review',
    ...fixed('The department changed since the last certification'),
    holds: (f) => f.certified !== null && f.certified.department !== f.department,
    sql: `ce.id IS NOT NULL AND ce.department IS DISTINCT FROM v.department`,
  },
  {
    value: 'review',
    ...fixed('The manager changed since the last certification'),
    holds: (f) => f.certified !== null && f.certified.managerAccountId !== f.managerAccountId,
    sql: `ce.id IS NOT NULL AND ce.manager_account_id IS DISTINCT FROM v.manager_account_id`,
  },
];

/** The recommendation for one membership, or null when nothing stands out. */
export function recommend(f: RecommendationFacts): Recommendation | null {
  const rule = RECOMMENDATION_RULES.find((r) => r.holds(f));
  return rule ? { value: rule.value, reason: rule.reason(f) } : null;
}

/** The rules as two SQL CASE expressions (value, reason) over the launch's aliases. */
export function recommendationSql(): { value: string; reason: string } {
  const when = (pick: (r: Rule) => string): string =>
    `CASE ${RECOMMENDATION_RULES.map((r) => `WHEN ${r.sql} THEN ${pick(r)}`).join(' ')} END`;
  return { value: when((r) => quote(r.value)), reason: when((r) => r.reasonSql) };
}
