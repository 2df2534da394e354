import { type MembershipTarget } from '../directory/directory.service';
import { checkTarget } from './operation-target.policy';

const target = (over: Partial<MembershipTarget> = {}): MembershipTarget => ({
  connectionId: 'c1',
  groupExternalId: 'g1',
  accountExternalId: 'u1',
  accountKind: 'user',
  membershipMethod: 'STATIC',
  ...over,
});

describe('checkTarget', () => {
  it('lets a user in a static group through with its JumpCloud ids', () => {
    expect(checkTarget(target())).toEqual({ ok: true, target: target() });
  });

  it('fails an operation whose account or group is not in the directory', () => {
    expect(checkTarget(undefined)).toEqual({
      ok: false,
      refusal: { status: 'failed', reason: 'the account or group is not in the directory' },
    });
  });

  it('leaves a group whose members a rule sets, and an administrator account, to a person (manual)', () => {
    const dynamic = checkTarget(target({ membershipMethod: 'DYNAMIC_AUTOMATED' }));
    expect(dynamic).toMatchObject({ ok: false, refusal: { status: 'manual' } });
    expect(!dynamic.ok && dynamic.refusal.reason).toContain('DYNAMIC_AUTOMATED');
    expect(checkTarget(target({ accountKind: 'admin' }))).toEqual({
      ok: false,
      refusal: { status: 'manual', reason: 'Administrators are not group members in JumpCloud' },
    });
    // A rule-set group refuses even a user; a review-only method name does not.
    expect(checkTarget(target({ membershipMethod: 'DYNAMIC_REVIEW_REQUIRED' })).ok).toBe(true);
  });
});
