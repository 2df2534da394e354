import { checkSteps, effectiveSteps, openStep, replacements, stepApprovers } from './approval-steps.policy';

describe('approval steps', () => {
  it('defaults to one approvers step of approvalsRequired', () => {
    expect(effectiveSteps({ approval_steps: null, approvals_required: 2 })).toEqual([
      { kind: 'approvers', required: 2 },
    ]);
  });

  it('refuses steps without an approvers step, a manager step with required, or required above the approvers', () => {
    expect(() => checkSteps([{ kind: 'manager' }], 3)).toThrow(/needs an approvers step/);
    expect(() => checkSteps([{ kind: 'manager', required: 1 }, { kind: 'approvers' }], 3)).toThrow(
      /no "required"/,
    );
    expect(() => checkSteps([{ kind: 'approvers', required: 4 }], 3)).toThrow(/may not exceed/);
    expect(() => checkSteps([], 3)).toThrow(/1 to 5/);
    expect(checkSteps([{ kind: 'manager' }, { kind: 'approvers' }], 1)).toEqual([
      { kind: 'manager' },
      { kind: 'approvers', required: 1 },
    ]);
    expect(checkSteps(undefined, 1)).toBeNull();
  });

  it('waits on the first step neither skipped nor complete', () => {
    const steps = [{ kind: 'manager' as const }, { kind: 'approvers' as const, required: 2 }];
    expect(openStep(steps, 0, () => 0, new Set())).toBe(0);
    expect(openStep(steps, 0, () => 0, new Set([0]))).toBe(1);
    expect(openStep(steps, 0, (s) => (s === 0 ? 1 : 1), new Set())).toBe(1);
    expect(openStep(steps, 1, () => 2, new Set())).toBe(2);
  });

  it("a step's approvers: the group's (approvers steps only) and those added, less those who left", () => {
    const steps = [{ kind: 'manager' as const }, { kind: 'approvers' as const, required: 1 }];
    const rows = [
      { step: 0, principal_id: 'm', removed_reason: null },
      { step: 1, principal_id: 'a', removed_reason: 'disabled' },
      { step: 1, principal_id: 'o', removed_reason: null },
    ];
    expect(stepApprovers(steps, 0, ['a', 'b'], rows)).toEqual(['m']);
    expect(stepApprovers(steps, 1, ['a', 'b'], rows)).toEqual(['b', 'o']);
    expect(stepApprovers(steps, 2, ['a', 'b'], rows)).toEqual([]);
  });

  it('asks owners first, then admins, until enough can act, never someone excluded', () => {
    expect(replacements(2, 0, ['o1', 'x'], ['a1', 'a2'], new Set(['x']))).toEqual([
      { id: 'o1', source: 'owner' },
      { id: 'a1', source: 'admin' },
    ]);
    expect(replacements(1, 1, ['o1'], ['a1'], new Set())).toEqual([]);
    expect(replacements(1, 0, ['o1'], ['o1'], new Set())).toEqual([{ id: 'o1', source: 'owner' }]);
  });
});
