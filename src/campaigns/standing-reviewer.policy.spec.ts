import { chooseStandingReviewer, type StandingCandidate } from './standing-reviewer.policy';

const p = (id: string, email: string, extra: Partial<StandingCandidate> = {}): StandingCandidate => ({
  id,
  email,
  disabled: false,
  is_bootstrap: false,
  ...extra,
});

describe('chooseStandingReviewer', () => {
  const admins = [p('a1', 'first-admin@x.test'), p('a2', 'second-admin@x.test')];

  it("takes the group's first owner", () => {
    expect(chooseStandingReviewer('m@x.test', [p('o1', 'o1@x.test'), p('o2', 'o2@x.test')], admins)).toBe(
      'o1',
    );
  });

  it('skips an owner who is the member (same email, any case) and takes the next owner', () => {
    expect(chooseStandingReviewer('M@X.test', [p('o1', ' m@x.TEST '), p('o2', 'o2@x.test')], admins)).toBe(
      'o2',
    );
  });

  it('with no owner left, takes the earliest-created admin', () => {
    expect(chooseStandingReviewer('m@x.test', [], admins)).toBe('a1');
    expect(chooseStandingReviewer('m@x.test', [p('o1', 'm@x.test')], admins)).toBe('a1');
  });

  it('never the member among admins either', () => {
    expect(chooseStandingReviewer('first-admin@x.test', [], admins)).toBe('a2');
  });

  it('never the bootstrap, as owner or admin', () => {
    const boot = p('b', 'bootstrap-admin', { is_bootstrap: true });
    expect(chooseStandingReviewer('m@x.test', [boot], [boot, ...admins])).toBe('a1');
  });

  it('passes over disabled principals', () => {
    const off = { disabled: true };
    expect(
      chooseStandingReviewer('m@x.test', [p('o1', 'o1@x.test', off)], [p('a0', 'a0@x.test', off), ...admins]),
    ).toBe('a1');
  });

  it('null when nobody qualifies', () => {
    expect(chooseStandingReviewer('m@x.test', [p('o1', 'm@x.test')], [p('a1', 'm@x.test')])).toBeNull();
    expect(chooseStandingReviewer(null, [], [])).toBeNull();
  });

  it('a member without an email excludes nobody', () => {
    expect(chooseStandingReviewer(null, [p('o1', 'o1@x.test')], admins)).toBe('o1');
  });
});
