import { requestTerms, scheduledStart } from './access-request.policy';

const policy = { default_duration_minutes: 30, max_duration_minutes: 60, require_justification: false };

describe('requestTerms', () => {
  it('takes the requested duration, else the default, else the maximum', () => {
    expect(requestTerms(policy, { durationMinutes: 45 }).duration).toBe(45);
    expect(requestTerms(policy, {}).duration).toBe(30);
    expect(requestTerms({ ...policy, default_duration_minutes: null }, {}).duration).toBe(60);
  });

  it('refuses a duration above the maximum', () => {
    expect(() => requestTerms(policy, { durationMinutes: 61 })).toThrow(/at most 60/);
  });

  it('trims the justification and requires one when the policy says so', () => {
    expect(requestTerms(policy, { justification: '  on call ' }).justification).toBe('on call');
    expect(requestTerms(policy, { justification: '   ' }).justification).toBeNull();
    expect(() => requestTerms({ ...policy, require_justification: true }, { justification: ' ' })).toThrow(
      /requires a justification/,
    );
  });
});

describe('scheduledStart', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('starts at once for none or a past time, refuses more than 30 days ahead', () => {
    expect(scheduledStart(undefined, now)).toBeNull();
    expect(scheduledStart('2025-12-31T23:00:00Z', now)).toBeNull();
    expect(scheduledStart('2026-01-31T00:00:00Z', now)).toEqual(new Date('2026-01-31T00:00:00Z'));
    expect(() => scheduledStart('2026-01-31T00:00:01Z', now)).toThrow(/30 days/);
  });
});
