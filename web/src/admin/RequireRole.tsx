import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';
import { Loading } from '../components/Loading';
import { canSeeAdmin } from '../shell/roles';
import { useMe } from '../shell/useMe';

/** Admin pages for admins and auditors; anyone else is told plainly, and nothing is fetched. */
export function RequireAdminOrAuditor({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.isPending) return <Loading label="Checking your roles…" />;
  if (!me.data || !canSeeAdmin(me.data.roles)) {
    return (
      <Alert color="red" title="You may not open this page" role="alert">
        Administration pages are for jumpgate administrators and auditors.
      </Alert>
    );
  }
  return children;
}
