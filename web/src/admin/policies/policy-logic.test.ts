import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { bodyFromForm, formFromPolicy, placeErrors, type Policy } from './policy-logic';

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
      // Not edited by this form: sent back as GET gave it.
      autoApproveRules: [{ maxDurationMinutes: 30, departments: ['IT'] }],
      requestTtlHours: 72,
      breakGlass: null,
    });
    const separate = bodyFromForm(
      { ...form, approversAreOwners: false, approverIds: [OTHER], eligibleGroupIds: ['e'] },
      policy,
    );
    expect([separate.approverIds, separate.eligibleGroupIds]).toEqual([[OTHER], ['e']]);
  });

  it('sends back a field the form does not show yet, unchanged', () => {
    const newer: Policy = { ...policy, breakGlass: { enabled: true, maxDurationMinutes: 30 } };
    expect(bodyFromForm(formFromPolicy(newer), newer)).toMatchObject({
      breakGlass: { enabled: true, maxDurationMinutes: 30 },
    });
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
      general: null,
    });
  });

  it('leaves what is not a 400 to the general error', () => {
    const forbidden = new ApiError(403, 'admins only');
    expect(placeErrors(forbidden, form)).toEqual({ fields: {}, general: forbidden });
  });
});
