import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { bodyFromForm, formFromPolicy, newRule, placeErrors, type Policy } from './policy-logic';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const policy: Policy = {
  groupId: 'g',
  ownerIds: [OWNER],
  requestable: true,
  maxDurationMinutes: 120,
  defaultDurationMinutes: 60,
  approverIds: [OWNER],
  approvalsRequired: 1,
  requireJustification: true,
  autoApprove: false,
  eligibleGroupIds: null,
  eligibleAccountIds: [],
  warnBeforeExpiryMinutes: 10,
  approvalSteps: [{ kind: 'approvers', required: 1 }],
  autoApproveRules: [{ maxDurationMinutes: 30, departments: ['IT'] }],
  requestTtlHours: 72,
  breakGlass: null,
  outOfBandAdds: 'allow',
  updatedAt: '2026-12-06T05:00:00.000Z',
};

describe('the policy form', () => {
  it('keeps approvers defaulting to the owners when GET answered the owners', () => {
    expect(formFromPolicy(policy).approversAreOwners).toBe(true);
    expect(formFromPolicy({ ...policy, approverIds: [OTHER] }).approversAreOwners).toBe(false);
  });

  it('sends the whole policy back: response-only fields out, empty optionals left to the server', () => {
    const form = { ...formFromPolicy(policy), defaultDurationMinutes: '' as const };
    const body = bodyFromForm(form, policy);
    expect(body).toEqual({
      ownerIds: [OWNER],
      requestable: true,
      maxDurationMinutes: 120,
      approvalSteps: [{ kind: 'approvers', required: 1 }],
      approvalsRequired: 1,
      requireJustification: true,
      autoApprove: false,
      eligibleAccountIds: [],
      warnBeforeExpiryMinutes: 10,
      autoApproveRules: [{ maxDurationMinutes: 30, departments: ['IT'] }],
      requestTtlHours: 72,
      breakGlass: null,
      outOfBandAdds: 'allow',
    });
    const separate = bodyFromForm(
      { ...form, approversAreOwners: false, approverIds: [OTHER], eligibleGroupIds: ['e'] },
      policy,
    );
    expect([separate.approverIds, separate.eligibleGroupIds]).toEqual([[OTHER], ['e']]);
  });

  it('edits outOfBandAdds and places its 400 on that field', () => {
    const form = { ...formFromPolicy({ ...policy, outOfBandAdds: 'review' }) };
    expect(form.outOfBandAdds).toBe('review');
    expect(bodyFromForm({ ...form, outOfBandAdds: 'revert' }, policy).outOfBandAdds).toBe('revert');
    const placed = placeErrors(
      new ApiError(400, 'bad', null, [
        'outOfBandAdds must be one of the following values: allow, review, revert',
      ]),
      form,
    );
    expect(Object.keys(placed.fields)).toEqual(['outOfBandAdds']);
  });

  it('sends back a field the form does not show, unchanged', () => {
    // Accounts a convert_to_jit decision made eligible survive an edit of the form.
    const converted = { ...policy, eligibleAccountIds: [OTHER] };
    expect(bodyFromForm(formFromPolicy(converted), converted).eligibleAccountIds).toEqual([OTHER]);
  });

  it('sends the steps in order, a manager step without "required", and the first approvers count as approvalsRequired', () => {
    const form = {
      ...formFromPolicy(policy),
      approvalSteps: [
        { kind: 'manager' as const, required: '' as const },
        { kind: 'approvers' as const, required: 2 },
      ],
    };
    expect(bodyFromForm(form, policy)).toMatchObject({
      approvalSteps: [{ kind: 'manager' }, { kind: 'approvers', required: 2 }],
      approvalsRequired: 2,
    });
  });
});

describe('automatic approval rules and break-glass', () => {
  const GROUP = '33333333-3333-4333-8333-333333333333';
  const withRules: Policy = {
    ...policy,
    autoApproveRules: [
      { requesterInGroupIds: [GROUP], maxDurationMinutes: 60, forOthers: true },
      { departments: ['IT', 'Ops'], maxDurationMinutes: 30 },
    ],
    breakGlass: { enabled: true, maxDurationMinutes: 45 },
  };

  it('reads the rules and break-glass from GET and sends them back the same', () => {
    const form = formFromPolicy(withRules);
    expect(form.autoApproveRules).toEqual([
      { requesterInGroupIds: [GROUP], departments: [], maxDurationMinutes: 60, forOthers: true },
      { requesterInGroupIds: [], departments: ['IT', 'Ops'], maxDurationMinutes: 30, forOthers: false },
    ]);
    expect(form.breakGlass).toEqual({ enabled: true, maxDurationMinutes: 45 });
    const body = bodyFromForm(form, withRules);
    expect(body.autoApproveRules).toEqual(withRules.autoApproveRules);
    expect(body.breakGlass).toEqual({ enabled: true, maxDurationMinutes: 45 });
  });

  it('adds a rule with the longest grant as its duration, and removes one', () => {
    const form = formFromPolicy(policy);
    const added = { ...form, autoApproveRules: [...form.autoApproveRules, newRule(form)] };
    expect(bodyFromForm(added, policy).autoApproveRules).toEqual([
      { maxDurationMinutes: 30, departments: ['IT'] },
      { maxDurationMinutes: 120 },
    ]);
    const removed = { ...added, autoApproveRules: added.autoApproveRules.slice(1) };
    expect(bodyFromForm(removed, policy).autoApproveRules).toEqual([{ maxDurationMinutes: 120 }]);
    const none = { ...added, autoApproveRules: [] };
    expect(bodyFromForm(none, policy).autoApproveRules).toEqual([]);
  });

  it('sends an empty rule duration as null, for the server to name it', () => {
    const form = formFromPolicy(withRules);
    form.autoApproveRules[1] = { ...form.autoApproveRules[1]!, maxDurationMinutes: '' };
    expect(bodyFromForm(form, withRules).autoApproveRules?.[1]).toEqual({
      departments: ['IT', 'Ops'],
      maxDurationMinutes: null,
    });
  });

  it('break-glass: off with no number is none; off with a number keeps it; on with none lets the server say so', () => {
    const form = formFromPolicy(policy);
    expect(form.breakGlass).toEqual({ enabled: false, maxDurationMinutes: '' });
    expect(bodyFromForm(form, policy).breakGlass).toBeNull();
    const off = { ...form, breakGlass: { enabled: false, maxDurationMinutes: 20 } };
    expect(bodyFromForm(off, policy).breakGlass).toEqual({ enabled: false, maxDurationMinutes: 20 });
    const empty = { ...form, breakGlass: { enabled: true, maxDurationMinutes: '' as const } };
    expect(bodyFromForm(empty, policy).breakGlass).toEqual({ enabled: true, maxDurationMinutes: null });
  });

  it("puts a rule's 400s on that rule's field, whichever way the server writes its index", () => {
    const form = formFromPolicy(withRules);
    const err = new ApiError(400, 'x', 'validation_failed', [
      'autoApproveRules[1].maxDurationMinutes may not exceed maxDurationMinutes (120)',
      'autoApproveRules.0.maxDurationMinutes must not be less than 1',
      'autoApproveRules.0.each value in requesterInGroupIds must be a UUID',
      'autoApproveRules.0.departments must be an array',
      'autoApproveRules.1.property color should not exist',
      'breakGlass.maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)',
      `eligibleGroupIds and requesterInGroupIds must be groups of the same connection: ${GROUP}`,
    ]);
    const placed = placeErrors(err, form);
    expect(placed.rules).toEqual({
      0: {
        maxDurationMinutes: 'autoApproveRules.0.maxDurationMinutes must not be less than 1',
        requesterInGroupIds:
          'autoApproveRules.0.each value in requesterInGroupIds must be a UUID; ' +
          `eligibleGroupIds and requesterInGroupIds must be groups of the same connection: ${GROUP}`,
        departments: 'autoApproveRules.0.departments must be an array',
      },
      1: {
        maxDurationMinutes: 'autoApproveRules[1].maxDurationMinutes may not exceed maxDurationMinutes (120)',
        rule: 'autoApproveRules.1.property color should not exist',
      },
    });
    // Not on the policy's own maxDurationMinutes, though the messages name it too.
    expect(placed.fields).toEqual({
      breakGlass: 'breakGlass.maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)',
    });
    expect(placed.general).toBeNull();
  });

  it('a message about a rule that is no longer in the form goes on the list', () => {
    const placed = placeErrors(
      new ApiError(400, 'x', 'validation_failed', ['autoApproveRules.5.forOthers must be a boolean value']),
      formFromPolicy(withRules),
    );
    expect(placed.fields).toEqual({
      autoApproveRules: 'autoApproveRules.5.forOthers must be a boolean value',
    });
  });
});

describe("the server's 400s on the fields", () => {
  const form = { ...formFromPolicy(policy), approversAreOwners: false, approverIds: [OTHER] };

  it('puts each message on the property it names, and an unknown principal on its list', () => {
    const err = new ApiError(400, 'x', 'validation_failed', [
      'maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)',
      'each value in ownerIds must be a UUID',
      'approvalSteps[0].required (2) may not exceed the number of approvers (1)',
      'approvalsRequired (3) may not exceed the number of approvers (1)',
      `No such principal: ${OTHER}`,
      'something else entirely',
    ]);
    const placed = placeErrors(err, form);
    expect(placed.fields).toEqual({
      maxDurationMinutes: 'maxDurationMinutes may be at most MAX_GRANT_MINUTES (10080)',
      ownerIds: 'each value in ownerIds must be a UUID',
      approverIds: `No such principal: ${OTHER}`,
      approvalSteps:
        'approvalSteps[0].required (2) may not exceed the number of approvers (1); approvalsRequired (3) may not exceed the number of approvers (1)',
    });
    expect((placed.general as ApiError).message).toBe('something else entirely');
  });

  it('puts a refusal to make the group requestable on that switch', () => {
    const err = new ApiError(400, 'A DYNAMIC_AUTOMATED group cannot be requestable', 'dynamic_group');
    expect(placeErrors(err, form)).toEqual({
      fields: { requestable: 'A DYNAMIC_AUTOMATED group cannot be requestable' },
      rules: {},
      general: null,
    });
  });

  it('leaves what is not a 400 to the general error', () => {
    const forbidden = new ApiError(403, 'admins only');
    expect(placeErrors(forbidden, form)).toEqual({ fields: {}, rules: {}, general: forbidden });
  });
});
