import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../api/types';
import { approvalLine, canActNow, requestProblems, searchCatalog, stepSummary } from './access-logic';

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
