import { describe, expect, it } from 'vitest';
import {
  campaignActions,
  dueLabel,
  emptyForm,
  formProblems,
  hasEvidence,
  progressBars,
  toCreateBody,
} from './campaign-logic';

const now = new Date('2026-03-01T10:00:00Z');
const filled = {
  ...emptyForm(now),
  connectionId: 'c1',
  name: '  Q2 review ',
  fallbackReviewerId: 'p1',
};

describe('campaign form', () => {
  it('names every missing field and refuses a past due date', () => {
    expect(formProblems(emptyForm(now), now)).toEqual([
      'Choose a connection.',
      'Give the campaign a name.',
      'Choose a fallback reviewer.',
    ]);
    expect(formProblems({ ...filled, dueDate: '2026-02-28' }, now)).toEqual([
      'The due date must be in the future.',
    ]);
    expect(formProblems({ ...filled, reviewerStrategy: 'named' }, now)).toEqual([
      'Choose at least one named reviewer.',
    ]);
    expect(formProblems(filled, now)).toEqual([]);
    for (const days of ['0', '', 'a year', '-3']) {
      expect(formProblems({ ...filled, certificationValidDays: days }, now)).toEqual([
        'Certify kept memberships for a number of days between 0 and 3650.',
      ]);
    }
  });

  it('builds the API body: trimmed name, due at the end of the day, named reviewers only when named', () => {
    const body = toCreateBody({ ...filled, groupIds: ['g1'], reviewerIds: ['p2'] });
    expect(body).toMatchObject({
      connectionId: 'c1',
      name: 'Q2 review',
      scope: { groupIds: ['g1'] },
      reviewerStrategy: 'manager',
      fallbackReviewerIds: ['p1'],
      dueAt: '2026-03-15T23:59:59.000Z',
      mode: 'full',
      certificationValidDays: 365,
    });
    expect(toCreateBody({ ...filled, mode: 'delta', certificationValidDays: '90.5' })).toMatchObject({
      mode: 'delta',
      certificationValidDays: 90.5,
    });
    expect(body.reviewerIds).toEqual([]);
    expect(body).not.toHaveProperty('description');
    expect(toCreateBody({ ...filled, reviewerStrategy: 'named', reviewerIds: ['p2'] }).reviewerIds).toEqual([
      'p2',
    ]);
  });
});

describe('progress bars', () => {
  const entry = (id: string | null, name: string | null, total: number, pending: number) => ({
    key: { id, name },
    total,
    pending,
    kept: total - pending,
    revoked: 0,
    converted: 0,
    expired: 0,
  });
  it('puts the least-done first, rounds down, and says the counts in words', () => {
    const bars = progressBars(
      [entry('a', 'Ann', 3, 0), entry('b', 'Bob', 250, 1), entry(null, null, 2, 2)],
      'No reviewer',
    );
    expect(bars.map((b) => [b.label, b.percent])).toEqual([
      ['No reviewer', 0],
      ['Bob', 99],
      ['Ann', 100],
    ]);
    expect(bars[1]?.text).toBe('249 of 250 decided (99 %): 249 kept, 0 revoked, 1 pending');
  });
});

describe('campaign actions', () => {
  it('offers launch on a draft, close on an active campaign, nothing once closed', () => {
    expect(campaignActions('draft')).toEqual({ launch: true, close: false, cancel: true });
    expect(campaignActions('active')).toEqual({ launch: false, close: true, cancel: true });
    expect(campaignActions('closed')).toEqual({ launch: false, close: false, cancel: false });
  });

  it('offers nothing on a standing campaign, which is never due', () => {
    expect(campaignActions('active', 'standing')).toEqual({ launch: false, close: false, cancel: false });
    expect(dueLabel({ kind: 'standing', dueAt: null }, (d) => d)).toBe('never (standing)');
    expect(dueLabel({ kind: 'regular', dueAt: '2026-03-15T23:59:59.000Z' }, (d) => d.slice(0, 10))).toBe(
      '2026-03-15',
    );
  });

  it('offers evidence for a closed campaign only', () => {
    expect(hasEvidence('closed')).toBe(true);
    expect(hasEvidence('active')).toBe(false);
    expect(hasEvidence('cancelled')).toBe(false);
  });
});
