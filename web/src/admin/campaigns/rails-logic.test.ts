import { describe, expect, it } from 'vitest';
import {
  approvalsText,
  percent,
  previewSummary,
  type RemediationWarning,
  warningsByKind,
} from './rails-logic';

const w = (code: RemediationWarning['code'], message: string): RemediationWarning => ({
  code,
  message,
  groupId: null,
  groupName: null,
  accountId: null,
  accountEmail: null,
  applications: [],
});

describe('the safety rails on the campaign page', () => {
  it('groups the warnings by kind in a fixed order, each kind named for people', () => {
    const grouped = warningsByKind([
      w('group_would_become_empty', 'sales would have no member left'),
      w('administrator_account', 'ann is also an administrator'),
      w('group_bound_to_applications', 'removing takes away Slack'),
      w('group_would_become_empty', 'vpn would have no member left'),
    ]);
    expect(grouped.map((g) => [g.title, g.items.map((i) => i.message)])).toEqual([
      ['Takes away applications', ['removing takes away Slack']],
      ['Administrator account', ['ann is also an administrator']],
      ['Group would become empty', ['sales would have no member left', 'vpn would have no member left']],
    ]);
    expect(warningsByKind([])).toEqual([]);
  });

  it('says shares, approvals and the preview in words', () => {
    expect([percent(1), percent(0.5), percent(1 / 3), percent(0)]).toEqual([
      '100 %',
      '50 %',
      '33.3 %',
      '0 %',
    ]);
    expect(approvalsText({ approvalsRequired: 2, approvals: [{ principalId: 'p', approvedAt: 'x' }] })).toBe(
      '1 of 2 approvals recorded',
    );
    expect(approvalsText({ approvalsRequired: 1, approvals: [] })).toBe('0 of 1 approval recorded');
    expect(previewSummary({ total: 10, wouldHold: 4 }, false)).toBe(
      'A close now would remove 10 memberships: 6 at once, 4 held for a second admin.',
    );
    expect(previewSummary({ total: 3, wouldHold: 0 }, false)).toBe(
      'A close now would remove 3 memberships: 3 at once, none held.',
    );
    expect(previewSummary({ total: 10, wouldHold: 4 }, true)).toBe(
      'The close removed 6 of 10 memberships; 4 still held.',
    );
    expect(previewSummary({ total: 0, wouldHold: 0 }, false)).toBe('A close now would remove nothing.');
  });
});
