import { decideRemoval } from './removal-hold.policy';

describe('decideRemoval (the rule-1 share threshold)', () => {
  const memberships = (count: number, live: number, digest: string | null = 'd1') => ({
    kind: 'memberships' as const,
    count,
    digest,
    live,
  });

  it('applies nothing when nothing is to be removed', () => {
    expect(decideRemoval(memberships(0, 100, null), 20, null)).toEqual({ apply: false });
  });

  it('applies removals within the share, the threshold itself included', () => {
    expect(decideRemoval(memberships(19, 100), 20, null)).toEqual({ apply: true });
    expect(decideRemoval(memberships(20, 100), 20, null)).toEqual({ apply: true });
  });

  it('holds removals above the share and reports count, digest and share', () => {
    expect(decideRemoval(memberships(21, 100), 20, null)).toEqual({
      apply: false,
      held: { count: 21, digest: 'd1', share: 0.21 },
    });
    expect(decideRemoval(memberships(1, 3), 20, null).held?.share).toBe(0.333);
  });

  it('counts everything as removed when nothing was live', () => {
    expect(decideRemoval(memberships(1, 0), 99, null)).toEqual({
      apply: false,
      held: { count: 1, digest: 'd1', share: 1 },
    });
    expect(decideRemoval(memberships(1, 0), 100, null)).toEqual({ apply: true });
  });

  it('applies held removals when the previous run held exactly the same set of the same kind', () => {
    const held = { memberships: { count: 50, digest: 'd1', share: 0.5 } };
    expect(decideRemoval(memberships(50, 100), 20, held)).toEqual({ apply: true });
    // Another set, another count, or the other kind: held again.
    expect(decideRemoval(memberships(50, 100, 'd2'), 20, held).apply).toBe(false);
    expect(decideRemoval(memberships(51, 100), 20, held).apply).toBe(false);
    expect(decideRemoval({ ...memberships(50, 100), kind: 'accounts' }, 20, held).apply).toBe(false);
  });
});
