import { driftAction } from './drift.policy';

describe('driftAction', () => {
  it('applies the policy as is to static groups', () => {
    for (const p of ['allow', 'review', 'revert'] as const) {
      expect(driftAction(p, 'STATIC')).toEqual({ action: p, note: null });
      expect(driftAction(p, 'NOTSET')).toEqual({ action: p, note: null });
    }
  });

  it('never reverts a dynamic group: review instead, saying why', () => {
    for (const method of ['DYNAMIC_AUTOMATED', 'DYNAMIC_REVIEW_REQUIRED']) {
      const r = driftAction('revert', method);
      expect(r.action).toBe('review');
      expect(r.note).toContain(method);
    }
    expect(driftAction('allow', 'DYNAMIC_AUTOMATED')).toEqual({ action: 'allow', note: null });
    expect(driftAction('review', 'DYNAMIC_AUTOMATED')).toEqual({ action: 'review', note: null });
  });
});
