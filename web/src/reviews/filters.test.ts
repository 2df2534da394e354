import { describe, expect, it } from 'vitest';
import type { ReviewItem } from '../api/types';
import { batchFor, undoPlan } from './decisions';
import { filterOptions, filtersFromSearch, filtersToSearch, matches, NO_FILTERS } from './filters';

function item(over: Partial<ReviewItem> & { id: string }): ReviewItem {
  return {
    campaignId: 'c1',
    campaign: { id: 'c1', name: 'Q1 review', dueAt: '2025-03-31T00:00:00.000Z' },
    account: {
      id: 'a1',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      kind: 'user',
      state: 'ACTIVATED',
      department: 'Engineering',
      jobTitle: 'Analyst',
      manager: null,
      isAdministrator: false,
      mfaConfigured: null,
      adminRoles: [],
      lastSignInAt: null,
    },
    group: {
      id: 'g1',
      name: 'Engineers',
      membershipMethod: 'STATIC',
      applications: [{ id: 'app1', name: 'GitHub', lastSignInAt: null }],
    },
    membershipSince: '2025-01-01T00:00:00Z',
    grantId: null,
    reviewerId: 'r1',
    status: 'pending',
    decision: null,
    justification: null,
    decidedBy: null,
    decidedAt: null,
    override: false,
    remediation: 'none',
    remediatedAt: null,
    remediationNote: null,
    recommendation: null,
    certifiedUntil: null,
    createdAt: '2025-06-01T00:00:00Z',
    ...over,
  };
}

describe('review filters', () => {
  const a = item({ id: '1' });
  const b = item({
    id: '2',
    campaignId: 'c2',
    group: {
      id: 'g2',
      name: 'Admins',
      membershipMethod: 'STATIC',
      applications: [{ id: 'app2', name: 'AWS', lastSignInAt: '2025-05-01T00:00:00.000Z' }],
    },
    recommendation: { value: 'revoke', reason: 'no sign-in for 90 days' },
  });
  const all = [a, b];
  const pick = (f: Partial<typeof NO_FILTERS>) =>
    all.filter((i) => matches(i, { ...NO_FILTERS, ...f })).map((i) => i.id);

  it('narrows by campaign, group, application, recommendation and text', () => {
    expect(pick({})).toEqual(['1', '2']);
    expect(pick({ campaignId: 'c2' })).toEqual(['2']);
    expect(pick({ groupId: 'g1' })).toEqual(['1']);
    expect(pick({ applicationId: 'app2' })).toEqual(['2']);
    expect(pick({ recommendation: 'revoke' })).toEqual(['2']);
    expect(pick({ recommendation: 'none' })).toEqual(['1']);
    expect(pick({ text: 'LOVELACE' })).toEqual(['1', '2']);
    expect(pick({ text: 'nobody' })).toEqual([]);
  });

  it('round-trips through the address, so a notification link opens the right view', () => {
    const f = filtersFromSearch(
      new URLSearchParams('campaignId=c2&recommendation=revoke&status=decided&q=ada'),
    );
    expect(f).toEqual({
      ...NO_FILTERS,
      campaignId: 'c2',
      recommendation: 'revoke',
      status: 'decided',
      text: 'ada',
    });
    expect(filtersToSearch(f).toString()).toBe('campaignId=c2&status=decided&recommendation=revoke&q=ada');
    expect(filtersToSearch(NO_FILTERS).toString()).toBe('');
    expect(filtersFromSearch(new URLSearchParams('recommendation=maybe&status=odd'))).toEqual(NO_FILTERS);
  });

  it('offers the groups and applications present, sorted by name', () => {
    expect(filterOptions(all)).toEqual({
      groups: [
        { value: 'g2', label: 'Admins' },
        { value: 'g1', label: 'Engineers' },
      ],
      applications: [
        { value: 'app2', label: 'AWS' },
        { value: 'app1', label: 'GitHub' },
      ],
    });
  });
});

describe('undo', () => {
  it('gives decided items their earlier decision back and names those that were pending', () => {
    const kept = item({ id: 'k', decision: 'keep', status: 'decided' });
    const revoked = item({ id: 'r', decision: 'revoke', status: 'decided', justification: 'left the team' });
    const pending = item({ id: 'p' });
    const plan = undoPlan(batchFor([kept, revoked, pending], 'revoke', 'tidy up'));
    expect(plan.restore).toEqual([
      { itemId: 'k', decision: 'keep' },
      { itemId: 'r', decision: 'revoke', justification: 'left the team' },
    ]);
    expect(plan.cannotRestore).toEqual(['p']);
  });
});
