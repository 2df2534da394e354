import { type PutPolicyDto } from './dto/access.dto';
import { checkPolicy, isEligible, isRoleGroup, noPolicy, principalsOf } from './group-policy.policy';

const base: PutPolicyDto = {
  ownerIds: ['o1', 'o1', 'o2'],
  requestable: true,
  maxDurationMinutes: 60,
  requireJustification: false,
};

describe('checkPolicy', () => {
  it('deduplicates owners, leaves approvers to default to them, and fills defaults', () => {
    expect(checkPolicy(base, 480)).toEqual({
      ownerIds: ['o1', 'o2'],
      requestable: true,
      maxDurationMinutes: 60,
      defaultDurationMinutes: null,
      approverIds: null,
      approvalsRequired: 1,
      requireJustification: false,
      autoApprove: false,
      eligibleGroupIds: null,
      warnBeforeExpiryMinutes: 10,
      approvalSteps: null,
      autoApproveRules: null,
      requestTtlHours: 72,
      breakGlass: null,
      eligibleAccountIds: [],
      outOfBandAdds: 'allow',
    });
    expect(checkPolicy({ ...base, outOfBandAdds: 'revert' }, 480).outOfBandAdds).toBe('revert');
    expect(checkPolicy({ ...base, eligibleAccountIds: ['a1', 'a1', 'a2'] }, 480).eligibleAccountIds).toEqual([
      'a1',
      'a2',
    ]);
  });

  it('takes warnBeforeExpiryMinutes up to MAX_GRANT_MINUTES (0: no warning)', () => {
    expect(checkPolicy({ ...base, warnBeforeExpiryMinutes: 0 }, 480).warnBeforeExpiryMinutes).toBe(0);
    expect(checkPolicy({ ...base, warnBeforeExpiryMinutes: 480 }, 480).warnBeforeExpiryMinutes).toBe(480);
    expect(() => checkPolicy({ ...base, warnBeforeExpiryMinutes: 481 }, 480)).toThrow(
      /warnBeforeExpiryMinutes may be at most MAX_GRANT_MINUTES \(480\)/,
    );
  });

  it('refuses durations beyond MAX_GRANT_MINUTES or a default beyond the maximum', () => {
    expect(() => checkPolicy({ ...base, maxDurationMinutes: 481 }, 480)).toThrow(/MAX_GRANT_MINUTES \(480\)/);
    expect(() => checkPolicy({ ...base, defaultDurationMinutes: 61 }, 480)).toThrow(/may not exceed/);
  });

  it('refuses more required approvals than approvers, counting owners when no approvers are named', () => {
    expect(() => checkPolicy({ ...base, approvalsRequired: 3 }, 480)).toThrow(/approvalsRequired \(3\)/);
    expect(() => checkPolicy({ ...base, approverIds: ['a1', 'a1'], approvalsRequired: 2 }, 480)).toThrow(
      /number of approvers \(1\)/,
    );
    expect(checkPolicy({ ...base, approvalsRequired: 2 }, 480).approvalsRequired).toBe(2);
    // A group that is not requestable may have no approvers at all.
    expect(checkPolicy({ ...base, ownerIds: [], requestable: false }, 480).approvalsRequired).toBe(1);
  });
});

describe('principalsOf', () => {
  it('names owners and effective approvers once each', () => {
    expect(principalsOf(checkPolicy(base, 480))).toEqual(['o1', 'o2']);
    expect(principalsOf(checkPolicy({ ...base, approverIds: ['a1', 'o1'] }, 480))).toEqual([
      'o1',
      'o2',
      'a1',
    ]);
  });
});

describe('noPolicy', () => {
  it('describes a group that is not requestable', () => {
    expect(noPolicy('g1', 480)).toMatchObject({ groupId: 'g1', requestable: false, maxDurationMinutes: 480 });
  });
});

describe('isRoleGroup', () => {
  it('names the groups of ADMIN_GROUPS and AUDITOR_GROUPS by JumpCloud id', () => {
    const config = { adminGroups: ['5f00a'], auditorGroups: ['5f00b'] };
    expect(isRoleGroup(config, '5f00a')).toBe(true);
    expect(isRoleGroup(config, '5f00b')).toBe(true);
    expect(isRoleGroup(config, '5f00c')).toBe(false);
    expect(isRoleGroup({ adminGroups: [], auditorGroups: [] }, '5f00a')).toBe(false);
  });
});

describe('isEligible', () => {
  it('lets any account request when the policy names no eligible groups', () => {
    expect(isEligible({ eligible_group_ids: null, eligible_account_ids: [] }, 'a1', false)).toBe(true);
    expect(isEligible({ eligible_group_ids: [], eligible_account_ids: [] }, 'a1', false)).toBe(true);
  });

  it('else members of an eligible group, or accounts named one by one (a convert_to_jit decision)', () => {
    const p = { eligible_group_ids: ['g1'], eligible_account_ids: ['a2'] };
    expect(isEligible(p, 'a1', true)).toBe(true);
    expect(isEligible(p, 'a2', false)).toBe(true);
    expect(isEligible(p, 'a1', false)).toBe(false);
  });
});
