import { describe, expect, it } from 'vitest';
import { matrixOf, matrixProblems, toPutBody } from './preferences-logic';

describe('notification preferences', () => {
  it('reads what was never set as on, and what was switched off as off', () => {
    const m = matrixOf({ grant_active: { email: false }, review_reminder: { slack: false } });
    expect(m.grant_active).toEqual({ email: false, slack: true });
    expect(m.review_reminder).toEqual({ email: true, slack: false });
    expect(m.campaign_assigned).toEqual({ email: true, slack: true });
    expect(Object.keys(m)).toHaveLength(15);
  });

  it('refuses an always-on kind switched off on both channels, and only then', () => {
    const m = matrixOf({ request_to_approve: { email: false } });
    expect(matrixProblems(m)).toEqual([]);
    m.request_to_approve.slack = false;
    m.grant_ended = { email: false, slack: false };
    expect(matrixProblems(m)).toEqual([
      'Keep at least one channel on for "request_to_approve": someone must hear of it.',
    ]);
  });

  it('sends every kind but break-glass, which ignores preferences', () => {
    const body = toPutBody(matrixOf({ grant_ended: { slack: false } }));
    expect(Object.keys(body.kinds)).toHaveLength(14);
    expect(body.kinds.break_glass_used).toBeUndefined();
    expect(body.kinds.grant_ended).toEqual({ email: true, slack: false });
  });
});
