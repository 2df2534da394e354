import { lazy, type ReactNode, Suspense } from 'react';
import { Route } from 'react-router';
import { Loading } from '../components/Loading';
import { RequireAdminOrAuditor } from './RequireRole';

// Loaded on first visit: reviewers and requesters, the many, never download the administration pages.
const AccountPage = lazy(() => import('./directory/AccountPage').then((m) => ({ default: m.AccountPage })));
const DirectoryPage = lazy(() =>
  import('./directory/DirectoryPage').then((m) => ({ default: m.DirectoryPage })),
);
const GroupPage = lazy(() => import('./directory/GroupPage').then((m) => ({ default: m.GroupPage })));
const PoliciesPage = lazy(() => import('./policies/PoliciesPage').then((m) => ({ default: m.PoliciesPage })));
const PolicyPage = lazy(() => import('./policies/PolicyPage').then((m) => ({ default: m.PolicyPage })));
const PrincipalPage = lazy(() =>
  import('./principals/PrincipalPage').then((m) => ({ default: m.PrincipalPage })),
);
const PrincipalsPage = lazy(() =>
  import('./principals/PrincipalsPage').then((m) => ({ default: m.PrincipalsPage })),
);

const guarded = (page: ReactNode) => (
  <RequireAdminOrAuditor>
    <Suspense fallback={<Loading label="Loading the page…" />}>{page}</Suspense>
  </RequireAdminOrAuditor>
);

/** The directory, group policy and principal pages (admins and auditors), kept out of App.tsx's list. */
export function directoryRoutes() {
  return (
    <>
      <Route path="admin/directory" element={guarded(<DirectoryPage />)} />
      <Route path="admin/directory/accounts/:id" element={guarded(<AccountPage />)} />
      <Route path="admin/directory/groups/:id" element={guarded(<GroupPage />)} />
      <Route path="admin/directory/groups/:id/policy" element={guarded(<PolicyPage />)} />
      <Route path="admin/policies" element={guarded(<PoliciesPage />)} />
      <Route path="admin/principals" element={guarded(<PrincipalsPage />)} />
      <Route path="admin/principals/:id" element={guarded(<PrincipalPage />)} />
    </>
  );
}
