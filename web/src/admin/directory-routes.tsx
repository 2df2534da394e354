import type { ReactNode } from 'react';
import { Route } from 'react-router';
import { AccountPage } from './directory/AccountPage';
import { DirectoryPage } from './directory/DirectoryPage';
import { GroupPage } from './directory/GroupPage';
import { PoliciesPage } from './policies/PoliciesPage';
import { PolicyPage } from './policies/PolicyPage';
import { PrincipalPage } from './principals/PrincipalPage';
import { PrincipalsPage } from './principals/PrincipalsPage';
import { RequireAdminOrAuditor } from './RequireRole';

const guarded = (page: ReactNode) => <RequireAdminOrAuditor>{page}</RequireAdminOrAuditor>;

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
