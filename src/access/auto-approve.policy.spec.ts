import { checkRules, effectiveRules, matchingRule, type RequestFacts } from './auto-approve.policy';

const facts = (f: Partial<RequestFacts> = {}): RequestFacts => ({
  self: true,
  durationMinutes: 30,
  department: 'Engineering',
  requesterGroupIds: new Set(['g1']),
  ...f,
});

describe('auto-approve rules', () => {
  it('the older autoApprove is one rule with no conditions after the others', () => {
    expect(
      effectiveRules({ auto_approve_rules: null, auto_approve: true, max_duration_minutes: 60 }),
    ).toEqual([{ maxDurationMinutes: 60 }]);
    expect(
      effectiveRules({
        auto_approve_rules: [{ maxDurationMinutes: 5 }],
        auto_approve: false,
        max_duration_minutes: 60,
      }),
    ).toEqual([{ maxDurationMinutes: 5 }]);
  });

  it('matches group membership, department (any case), duration, and for others only with forOthers', () => {
    const rules = [
      { requesterInGroupIds: ['g2'], maxDurationMinutes: 60 },
      { departments: ['engineering'], maxDurationMinutes: 20 },
      { requesterInGroupIds: ['g1'], maxDurationMinutes: 60, forOthers: true },
    ];
    expect(matchingRule(rules, facts())).toBe(2);
    expect(matchingRule(rules, facts({ durationMinutes: 10 }))).toBe(1);
    expect(matchingRule(rules, facts({ self: false, durationMinutes: 10 }))).toBe(2);
    expect(matchingRule(rules, facts({ requesterGroupIds: new Set(), durationMinutes: 30 }))).toBeNull();
    expect(
      matchingRule(rules, facts({ department: null, requesterGroupIds: new Set(), durationMinutes: 5 })),
    ).toBeNull();
    expect(matchingRule([{ maxDurationMinutes: 60 }], facts({ self: false }))).toBeNull();
  });

  it('refuses a rule longer than the policy allows', () => {
    expect(() => checkRules([{ maxDurationMinutes: 61 }], 60)).toThrow(/may not exceed/);
    expect(checkRules([{ maxDurationMinutes: 60, requesterInGroupIds: ['a', 'a'] }], 60)).toEqual([
      { maxDurationMinutes: 60, requesterInGroupIds: ['a'] },
    ]);
    expect(checkRules(undefined, 60)).toBeNull();
  });
});
