import type { ReactNode } from 'react';
import { Route } from 'react-router';
import { AuditPage } from './audit/AuditPage';
import { NotificationsPage } from './notifications/NotificationsPage';
import { RequireAdminOrAuditor } from './RequireRole';

const guarded = (page: ReactNode) => <RequireAdminOrAuditor>{page}</RequireAdminOrAuditor>;

/** The notification channels and deliveries, and the audit log (admins and auditors), kept out of App.tsx's list. */
export function notificationAuditRoutes() {
  return (
    <>
      <Route path="admin/notifications" element={guarded(<NotificationsPage />)} />
      <Route path="admin/audit" element={guarded(<AuditPage />)} />
    </>
  );
}
