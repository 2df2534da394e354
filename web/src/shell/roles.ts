import type { Role } from '../api/types';

export interface NavLinkSpec {
  to: string;
  label: string;
}

const EVERYONE: NavLinkSpec[] = [
  { to: '/reviews', label: 'My reviews' },
  { to: '/access', label: 'My access' },
  { to: '/approvals', label: 'Approvals' },
  { to: '/settings/notifications', label: 'Notification settings' },
];

/** Admin pages built so far; auditors see them too, read-only. */
const ADMINISTRATION: NavLinkSpec[] = [
  { to: '/admin/campaigns', label: 'Campaigns' },
  { to: '/admin/templates', label: 'Campaign templates' },
  { to: '/admin/connections', label: 'Connections' },
  { to: '/admin/operations', label: 'Provisioning operations' },
  { to: '/admin/directory', label: 'Directory' },
  { to: '/admin/policies', label: 'Group policies' },
  { to: '/admin/principals', label: 'Principals' },
  { to: '/admin/notifications', label: 'Notifications' },
  { to: '/admin/audit', label: 'Audit log' },
];

export function canSeeAdmin(roles: readonly Role[]): boolean {
  return roles.includes('admin') || roles.includes('auditor');
}

/** Only admins change things; an auditor reads the same pages without the controls. */
export function canAdminister(roles: readonly Role[]): boolean {
  return roles.includes('admin');
}

export function navigation(roles: readonly Role[]): { section: string | null; links: NavLinkSpec[] }[] {
  const sections: { section: string | null; links: NavLinkSpec[] }[] = [{ section: null, links: EVERYONE }];
  if (canSeeAdmin(roles)) sections.push({ section: 'Administration', links: ADMINISTRATION });
  return sections;
}
