import { recommend, recommendationSql, type RecommendationFacts } from './recommendation.policy';

const base: RecommendationFacts = {
  state: 'ACTIVATED',
  isAdministrator: false,
  mfaConfigured: true,
  department: 'Sales',
  managerAccountId: 'm1',
  certified: null,
};

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

  it('never recommends from how recently someone joined', () => {
    expect(recommendationSql().reason).not.toMatch(/joined|recent/i);
  });

  it('gives the SQL the same rules in the same order', () => {
    const { value, reason } = recommendationSql();
    expect(value.indexOf("v.state = 'SUSPENDED'")).toBeLessThan(value.indexOf('v.mfa_configured IS FALSE'));
    expect(value.indexOf('v.mfa_configured IS FALSE')).toBeLessThan(value.indexOf('ce.department'));
    expect(reason).toContain("THEN 'The account is suspended'");
    expect(value.match(/WHEN/g)).toHaveLength(4);
  });
});
