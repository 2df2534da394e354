import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../api/types';
import type { AccessRequest } from '../api/types';
import { formatDateTime } from '../lib/format';
import {
  approvalLine,
  canActNow,
  explainDecisionError,
  explainRequestError,
  grantState,
  requestProblems,
  searchCatalog,
  sentMessage,
  startProblem,
  stepLines,
  stepSummary,
  waitingFor,
} from './access-logic';

const entry = (name: string, apps: string[], over: Partial<CatalogEntry> = {}): CatalogEntry => ({
  group: { id: name, name, applications: apps.map((a) => ({ id: a, name: a })) },
  maxDurationMinutes: 60,
  defaultDurationMinutes: 30,
  requireJustification: false,
  breakGlassMaxDurationMinutes: null,
  ...over,
});

describe('access request logic', () => {
  const catalog = [
    entry('Prod DB admins', ['Postgres console']),
    entry('Finance', ['NetSuite', 'Expensify']),
  ];

  it('searches group and application names, every word', () => {
    expect(searchCatalog(catalog, 'net').map((e) => e.group.name)).toEqual(['Finance']);
    expect(searchCatalog(catalog, 'prod console').map((e) => e.group.name)).toEqual(['Prod DB admins']);
    expect(searchCatalog(catalog, 'prod netsuite')).toEqual([]);
    expect(searchCatalog(catalog, '  ')).toHaveLength(2);
  });

  it('holds a request to the policy: duration within it, justification where required', () => {
    const strict = entry('X', [], { requireJustification: true });
    expect(requestProblems(strict, 30, 'on call')).toEqual([]);
    expect(requestProblems(strict, 61, 'on call')).toEqual(['The policy allows at most 60 minutes.']);
    expect(requestProblems(strict, 0, '')).toEqual([
      'Give a duration of at least one minute.',
      'This group needs a justification.',
    ]);
    expect(requestProblems(entry('Y', []), null, '')).toEqual(['Give a duration of at least one minute.']);
    expect(requestProblems(entry('Y', []), 2.5, '')).toEqual(['Give a duration of at least one minute.']);
  });
});

describe('approval steps as a person reads them', () => {
  const steps = [{ kind: 'manager' as const }, { kind: 'approvers' as const, required: 2 }];
  it('says which step a pending request waits on', () => {
    expect(stepSummary({ approvalSteps: steps, currentStep: 0, status: 'pending' })).toBe(
      "Step 1 of 2: the requester's manager",
    );
    expect(stepSummary({ approvalSteps: steps, currentStep: 1, status: 'pending' })).toBe(
      "Step 2 of 2: 2 approvals from the group's approvers",
    );
    expect(stepSummary({ approvalSteps: steps, currentStep: 1, status: 'approved' })).toBeNull();
  });

  it('writes approvals, skipped steps and rules', () => {
    const at = '2026-01-01T00:00:00Z';
    const name = (id: string) => `P-${id}`;
    expect(approvalLine({ approverId: 'a', decision: 'approve', step: 0, comment: 'ok', at }, name)).toBe(
      'Approved by P-a (step 1): ok',
    );
    expect(
      approvalLine({ approverId: null, decision: 'skipped', step: 0, comment: 'no manager', at }, name),
    ).toBe('Step 1 skipped: no manager');
    expect(
      approvalLine({ approverId: null, decision: 'approve', step: null, rule: 0, comment: null, at }, name),
    ).toBe('Approved by auto-approve rule 1');
  });

  it('lets only the current step act', () => {
    expect(canActNow({ eligibleApprovers: [{ id: 'm', displayName: null }] }, 'm')).toBe(true);
    expect(canActNow({ eligibleApprovers: [{ id: 'm', displayName: null }] }, 'a')).toBe(false);
    expect(canActNow({ eligibleApprovers: [] }, undefined)).toBe(false);
  });
});

describe('a request page and an approver card', () => {
  const at = '2026-01-01T00:00:00Z';
  const steps = [{ kind: 'manager' as const }, { kind: 'approvers' as const, required: 2 }];
  const name = (id: string) => `P-${id}`;

  it('lists every step: skipped with its reason, waiting now with approvals so far, ahead', () => {
    expect(
      stepLines(
        {
          approvalSteps: steps,
          currentStep: 1,
          status: 'pending',
          approvals: [
            { approverId: null, decision: 'skipped', step: 0, comment: 'the account has no manager', at },
            { approverId: 'a', decision: 'approve', step: 1, comment: null, at },
          ],
        },
        name,
      ),
    ).toEqual([
      "Step 1: the requester's manager: skipped (the account has no manager)",
      "Step 2: 2 approvals from the group's approvers: waiting now (approved by P-a so far)",
    ]);
    expect(
      stepLines({ approvalSteps: steps, currentStep: 0, status: 'pending', approvals: [] }, name),
    ).toEqual([
      "Step 1: the requester's manager: waiting now",
      "Step 2: 2 approvals from the group's approvers: after the steps before it",
    ]);
    expect(
      stepLines(
        {
          approvalSteps: steps,
          currentStep: 0,
          status: 'denied',
          approvals: [{ approverId: 'm', decision: 'deny', step: 0, comment: 'no', at }],
        },
        name,
      ),
    ).toEqual([
      "Step 1: the requester's manager: denied by P-m",
      "Step 2: 2 approvals from the group's approvers: not reached",
    ]);
  });

  it('greys a request for an approver of a later step: waiting for the step it is on', () => {
    const r = {
      approvalSteps: steps,
      currentStep: 0,
      status: 'pending' as const,
      eligibleApprovers: [{ id: 'm', displayName: 'Manny' }],
    };
    expect(waitingFor(r, 'a')).toBe("Waiting for step 1 (the requester's manager)");
    expect(waitingFor(r, 'm')).toBeNull();
    expect(waitingFor({ ...r, status: 'approved' }, 'a')).toBeNull();
  });

  it('explains not_this_step to the approver who acted early, and nothing else', () => {
    expect(explainDecisionError('not_this_step', { approvalSteps: steps, currentStep: 0 })).toEqual({
      title: 'Not your step yet',
      text: "This request waits on step 1 (the requester's manager). You approve a later step: you will be asked once the steps before yours are done. Nothing was changed.",
    });
    expect(explainDecisionError('invalid_state', { approvalSteps: steps, currentStep: 0 })).toBeNull();
  });
});

describe('scheduled starts and break-glass on the request form', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const local = (ms: number) => {
    // A datetime-local value in the browser's zone, as the input gives it.
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };

  it('accepts a start up to 30 days ahead and says so beyond', () => {
    expect(startProblem('', now)).toBeNull();
    expect(startProblem(local(now + 29 * 86_400_000), now)).toBeNull();
    expect(startProblem(local(now + 31 * 86_400_000), now)).toBe(
      'A request may start at most 30 days ahead.',
    );
    expect(startProblem('not a date', now)).toBe('Give a valid date and time.');
  });

  it('explains the refusals a requester can act on, on the field they concern', () => {
    expect(explainRequestError('starts_too_late', 'startsAt may be at most 30 days ahead')).toMatchObject({
      field: 'startsAt',
    });
    expect(explainRequestError('break_glass_rate_limited', 'x')).toMatchObject({
      field: null,
      title: 'Break-glass already used today',
    });
    expect(explainRequestError('grant_active', 'x')?.text).toContain('never extends an active grant');
    expect(explainRequestError('request_pending', 'x')).toBeNull();
  });

  it('reads a scheduled grant as "scheduled, starts at …"', () => {
    const startsAt = '2026-06-03T09:00:00Z';
    expect(grantState({ status: 'scheduled', startsAt, expiresAt: null })).toBe(
      `scheduled, starts at ${formatDateTime(startsAt)}`,
    );
    expect(grantState({ status: 'provisioning', startsAt: null, expiresAt: null })).toBe(
      'being applied in JumpCloud',
    );
  });

  it('says what happened to the request just made', () => {
    const base = {
      breakGlass: false,
      status: 'pending',
      startsAt: null,
      grant: null,
    } as unknown as AccessRequest;
    expect(sentMessage(base, 'VPN')).toBe('Request for VPN sent; it shows under My requests.');
    expect(sentMessage({ ...base, breakGlass: true, status: 'approved' }, 'VPN')).toContain(
      'Break-glass access to VPN granted at once',
    );
    const startsAt = '2026-06-03T09:00:00Z';
    expect(
      sentMessage(
        {
          ...base,
          status: 'approved',
          grant: { status: 'scheduled', startsAt, endReason: null, expiresAt: null },
        },
        'VPN',
      ),
    ).toBe(`Request for VPN approved; scheduled, starts at ${formatDateTime(startsAt)}.`);
  });
});
