import { describe, expect, it } from 'vitest';
import { canAdminister, canSeeAdmin, navigation } from './roles';

describe('navigation by role', () => {
  const labels = (roles: Parameters<typeof navigation>[0]) =>
    navigation(roles).map((s) => [s.section, s.links.map((l) => l.to)]);

  it('gives everyone their own pages, and the administration section only to admins and auditors', () => {
    const mine = ['/reviews', '/access', '/approvals', '/settings/notifications'];
    expect(labels([])).toEqual([[null, mine]]);
    expect(labels(['auditor'])).toEqual([
      [null, mine],
      [
        'Administration',
        [
          '/admin/campaigns',
          '/admin/templates',
          '/admin/connections',
          '/admin/operations',
          '/admin/directory',
          '/admin/policies',
          '/admin/principals',
          '/admin/notifications',
          '/admin/audit',
        ],
      ],
    ]);
    expect(labels(['admin'])).toEqual(labels(['auditor']));
  });

  it('lets only admins change things', () => {
    expect([canAdminister(['admin']), canAdminister(['auditor']), canAdminister([])]).toEqual([
      true,
      false,
      false,
    ]);
    expect([canSeeAdmin(['admin']), canSeeAdmin(['auditor']), canSeeAdmin([])]).toEqual([true, true, false]);
  });
});
