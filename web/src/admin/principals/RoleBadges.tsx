import { Badge } from '@mantine/core';
import type { Principal } from './usePrincipals';

/** Roles and the disabled state as badges; "no role" said plainly rather than left blank. */
export function RoleBadges({ principal }: { principal: Pick<Principal, 'roles' | 'disabled'> }) {
  return (
    <>
      {principal.roles.length === 0 && (
        <Badge variant="light" color="gray">
          no role
        </Badge>
      )}
      {principal.roles.map((r) => (
        <Badge key={r} variant="light" color={r === 'admin' ? 'grape' : 'blue'}>
          {r}
        </Badge>
      ))}
      {principal.disabled && (
        <Badge variant="filled" color="red">
          disabled
        </Badge>
      )}
    </>
  );
}
