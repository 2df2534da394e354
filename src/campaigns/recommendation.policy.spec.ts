import {
  applicationList,
  inactivityReason,
  type MembershipActivity,
  recommend,
  recommendationSql,
  type RecommendationFacts,
} from './recommendation.policy';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2027-03-01T12:00:00Z');

const base: RecommendationFacts = {
  state: 'ACTIVATED',
  isAdministrator: false,
  mfaConfigured: true,
  department: 'Sales',
  managerAccountId: 'm1',
  certified: null,
  activity: null,
};

/** Activity read over the last 90 days, a 60-day window, the group granting Jira and Slack. */
const watched = (days: (number | null)[], over: Partial<MembershipActivity> = {}): MembershipActivity => ({
  inactiveDays: 60,
  now: NOW,
  coveredFrom: NOW - 90 * DAY,
  applications: days.map((d, i) => ({
    name: ['Jira', 'Slack', 'Zoom', 'Figma', 'Miro'][i],
    lastSignInAt: d === null ? null : NOW - d * DAY,
  })),
  ...over,
});

describe('recommend', () => {
  it('says nothing about an ordinary active member, certified or not', () => {
    expect(recommend(base)).toBeNull();
    expect(recommend({ ...base, certified: { department: 'Sales', managerAccountId: 'm1' } })).toBeNull();
  });

  it('recommends revoking a suspended account, before any other reason', () => {
    expect(
      recommend({
        ...base,
        state: 'SUSPENDED',
        isAdministrator: true,
        mfaConfigured: false,
        certified: { department: 'Other', managerAccountId: null },
      }),
    ).toEqual({ value: 'revoke', reason: 'The account is suspended' });
  });

  it('asks to review an administrator without MFA, but not one with MFA or whose MFA is unknown', () => {
    expect(recommend({ ...base, isAdministrator: true, mfaConfigured: false })).toEqual({
      value: 'review',
      reason: 'A JumpCloud administrator without MFA',
    });
    expect(recommend({ ...base, isAdministrator: true, mfaConfigured: true })).toBeNull();
    expect(recommend({ ...base, isAdministrator: true, mfaConfigured: null })).toBeNull();
    expect(recommend({ ...base, isAdministrator: false, mfaConfigured: false })).toBeNull();
  });

  it('asks to review when the department or the manager changed since the last certification', () => {
    expect(recommend({ ...base, certified: { department: 'Support', managerAccountId: 'm1' } })).toEqual({
      value: 'review',
      reason: 'The department changed since the last certification',
    });
    expect(recommend({ ...base, certified: { department: 'Sales', managerAccountId: 'm2' } })).toEqual({
      value: 'review',
      reason: 'The manager changed since the last certification',
    });
    expect(
      recommend({ ...base, department: null, certified: { department: 'Sales', managerAccountId: 'm1' } }),
    ).toEqual({ value: 'review', reason: 'The department changed since the last certification' });
  });

  it('asks to review a membership with no sign-in to any of its applications within inactiveDays', () => {
    expect(recommend({ ...base, activity: watched([null, 61]) })).toEqual({
      value: 'review',
      reason:
        'No sign-in to Jira or Slack seen by JumpCloud in 60 days (it sees only sign-ins made through JumpCloud)',
    });
    // Exactly inactiveDays ago is outside the window; a minute inside it is a sign-in seen.
    expect(recommend({ ...base, activity: watched([60]) })?.value).toBe('review');
    expect(recommend({ ...base, activity: watched([60 - 1 / 1440]) })).toBeNull();
    // One application used recently is enough: the membership is in use.
    expect(recommend({ ...base, activity: watched([null, 2]) })).toBeNull();
    expect(recommend({ ...base, activity: watched([5], { inactiveDays: 7 }) })).toBeNull();
    expect(recommend({ ...base, activity: watched([8], { inactiveDays: 7 }) })?.reason).toContain(
      'in 7 days',
    );
  });

  it('says nothing about inactivity without applications, without trusted activity, or before the reads cover the window', () => {
    expect(recommend({ ...base, activity: watched([]) })).toBeNull();
    expect(recommend({ ...base, activity: null })).toBeNull();
    expect(recommend({ ...base, activity: watched([null], { coveredFrom: NOW - 30 * DAY }) })).toBeNull();
  });

  it('never claims more than the 90 days JumpCloud keeps', () => {
    const r = recommend({ ...base, activity: watched([null], { inactiveDays: 120 }) });
    expect(r?.reason).toBe(
      'No sign-in to Jira seen by JumpCloud in 90 days, all it keeps (it sees only sign-ins made through JumpCloud)',
    );
    expect(r?.reason).not.toContain('120');
    // Kept from older reads: a sign-in 100 days ago is within a 120-day window.
    expect(recommend({ ...base, activity: watched([100], { inactiveDays: 120 }) })).toBeNull();
    expect(inactivityReason(['Jira'], 90)).toContain('in 90 days (it sees');
  });

  it('comes after suspension and administrators without MFA, before certification changes', () => {
    const idle = watched([null]);
    expect(recommend({ ...base, state: 'SUSPENDED', activity: idle })?.reason).toBe(
      'The account is suspended',
    );
    expect(recommend({ ...base, isAdministrator: true, mfaConfigured: false, activity: idle })?.reason).toBe(
      'A JumpCloud administrator without MFA',
    );
    expect(
      recommend({ ...base, certified: { department: 'Other', managerAccountId: 'm1' }, activity: idle })
        ?.reason,
    ).toMatch(/^No sign-in to Jira/);
  });

  it('names up to three applications, then counts the others', () => {
    expect(applicationList(['A'])).toBe('A');
    expect(applicationList(['A', 'B'])).toBe('A or B');
    expect(applicationList(['A', 'B', 'C'])).toBe('A, B or C');
    expect(applicationList(['A', 'B', 'C', 'D'])).toBe('A, B, C or 1 other application');
    expect(applicationList(['A', 'B', 'C', 'D', 'E'])).toBe('A, B, C or 2 other applications');
  });

  it('never recommends from how recently someone joined', () => {
    expect(recommendationSql().reason).not.toMatch(/joined|recent/i);
  });

  it('gives the SQL the same rules in the same order', () => {
    const { value, reason } = recommendationSql();
    expect(value.indexOf("v.state = 'SUSPENDED'")).toBeLessThan(value.indexOf('v.mfa_configured IS FALSE'));
    expect(value.indexOf('v.mfa_configured IS FALSE')).toBeLessThan(value.indexOf('ap.account_id IS NULL'));
    expect(value.indexOf('ap.account_id IS NULL')).toBeLessThan(value.indexOf('ce.department'));
    expect(reason).toContain("THEN 'The account is suspended'");
    expect(reason).toContain("' seen by JumpCloud in '");
    expect(value.match(/WHEN/g)).toHaveLength(5);
  });
});
