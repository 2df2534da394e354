import { Burger, Drawer, NavLink, Text, Title } from '@mantine/core';
import type { Role } from '../api/types';
import { useDisclosure } from '@mantine/hooks';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert';
import classes from './Layout.module.css';
import { navigation } from './roles';
import { useMe } from './useMe';

function Links({ roles, onNavigate }: { roles: readonly Role[]; onNavigate?: () => void }) {
  const location = useLocation();
  return navigation(roles).map((s) => (
    <div key={s.section ?? 'mine'}>
      {s.section && (
        <Text size="xs" fw={700} tt="uppercase" c="dimmed" px="sm" pt="md" pb={4}>
          {s.section}
        </Text>
      )}
      {s.links.map((l) => (
        <NavLink
          key={l.to}
          component={RouterLink}
          to={l.to}
          label={l.label}
          active={location.pathname.startsWith(l.to)}
          onClick={onNavigate}
        />
      ))}
    </div>
  ));
}

/**
 * The signed-in shell, built from plain elements and a CSS module rather than Mantine's AppShell, whose
 * responsive layout is injected as a <style> element that the server's CSP (no 'unsafe-inline') blocks.
 */
export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const roles = me.data?.roles ?? [];
  return (
    <div className={classes.root}>
      <header className={classes.header}>
        <Burger
          className={classes.burger}
          opened={opened}
          onClick={toggle}
          size="sm"
          aria-label="Open navigation"
        />
        <Title order={2} size="h4">
          jumpgate
        </Title>
      </header>
      {/* lockScroll off: it injects a <style> element, which the CSP blocks. */}
      <Drawer opened={opened} onClose={close} title="jumpgate" size={260} lockScroll={false}>
        <nav aria-label="Main navigation (menu)">
          <Links roles={roles} onNavigate={close} />
        </nav>
      </Drawer>
      <div className={classes.body}>
        <nav className={classes.nav} aria-label="Main navigation">
          <Links roles={roles} />
        </nav>
        <main className={classes.main}>
          {/* The page loads its own data beside /me rather than after it (a signed-out person is sent to
              sign-in by whichever call answers 401 first). */}
          {me.isError ? <ErrorAlert error={me.error} onRetry={() => void me.refetch()} /> : <Outlet />}
        </main>
      </div>
    </div>
  );
}
