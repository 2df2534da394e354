import { Navigate, Route, Routes } from 'react-router';
import { AccessPage } from './access/AccessPage';
import { RequestPage } from './access/RequestPage';
import { CampaignPage } from './admin/campaigns/CampaignPage';
import { CampaignsPage } from './admin/campaigns/CampaignsPage';
import { ConnectionPage } from './admin/connections/ConnectionPage';
import { ConnectionsPage } from './admin/connections/ConnectionsPage';
import { directoryRoutes } from './admin/directory-routes';
import { notificationAuditRoutes } from './admin/notification-audit-routes';
import { OperationsPage } from './admin/OperationsPage';
import { TemplatePage } from './admin/templates/TemplatePage';
import { TemplatesPage } from './admin/templates/TemplatesPage';
import { RequireAdminOrAuditor } from './admin/RequireRole';
import { ApprovalsPage } from './approvals/ApprovalsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInErrorPage } from './pages/SignInErrorPage';
import { ReviewsPage } from './reviews/ReviewsPage';
import { NotificationSettingsPage } from './settings/NotificationSettingsPage';
import { Layout } from './shell/Layout';
import { PublicLayout } from './shell/PublicLayout';

export function App() {
  return (
    <Routes>
      {/* Outside the signed-in shell: a refused sign-in must not bounce back to sign-in. */}
      <Route element={<PublicLayout />}>
        <Route path="signin-error" element={<SignInErrorPage />} />
      </Route>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/reviews" replace />} />
        <Route path="reviews" element={<ReviewsPage />} />
        <Route path="access" element={<AccessPage />} />
        <Route path="approvals" element={<ApprovalsPage />} />
        <Route path="requests/:id" element={<RequestPage />} />
        <Route path="settings/notifications" element={<NotificationSettingsPage />} />
        <Route
          path="admin/operations"
          element={
            <RequireAdminOrAuditor>
              <OperationsPage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/campaigns"
          element={
            <RequireAdminOrAuditor>
              <CampaignsPage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/campaigns/:id"
          element={
            <RequireAdminOrAuditor>
              <CampaignPage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/templates"
          element={
            <RequireAdminOrAuditor>
              <TemplatesPage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/templates/:id"
          element={
            <RequireAdminOrAuditor>
              <TemplatePage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/connections"
          element={
            <RequireAdminOrAuditor>
              <ConnectionsPage />
            </RequireAdminOrAuditor>
          }
        />
        <Route
          path="admin/connections/:id"
          element={
            <RequireAdminOrAuditor>
              <ConnectionPage />
            </RequireAdminOrAuditor>
          }
        />
        {directoryRoutes()}
        {notificationAuditRoutes()}
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
