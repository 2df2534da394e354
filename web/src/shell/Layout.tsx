import { Burger, Drawer, NavLink, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import classes from './Layout.module.css';
import { useMe } from './useMe';

const LINKS = [
  { to: '/reviews', label: 'My reviews' },
  { to: '/access', label: 'My access' },
  { to: '/approvals', label: 'Approvals' },
];

function Links({ onNavigate }: { onNavigate?: () => void }) {
  const location = useLocation();
  return LINKS.map((l) => (
    <NavLink
      key={l.to}
      component={RouterLink}
      to={l.to}
      label={l.label}
      active={location.pathname.startsWith(l.to)}
      onClick={onNavigate}
    />
  ));
}

/**
 * The signed-in shell, built from plain elements and a CSS module rather than Mantine's AppShell, whose
 * responsive layout is injected as a <style> element that the server's CSP (no 'unsafe-inline') blocks.
 */
export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
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
          <Links onNavigate={close} />
        </nav>
      </Drawer>
      <div className={classes.body}>
        <nav className={classes.nav} aria-label="Main navigation">
          <Links />
        </nav>
        <main className={classes.main}>
          {me.isPending ? (
            <Loading label="Signing you in…" />
          ) : me.isError ? (
            <ErrorAlert error={me.error} onRetry={() => void me.refetch()} />
          ) : (
            <Outlet />
          )}
        </main>
      </div>
    </div>
  );
}
