import { Alert, Button, Checkbox, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { Role } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Facts } from '../../components/Facts';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { RoleBadges } from './RoleBadges';
import { SessionsSection } from './SessionsSection';
import { TokensSection } from './TokensSection';
import { type Principal, usePrincipal } from './usePrincipals';

const ROLES: Role[] = ['admin', 'auditor'];

/** An admin changes roles or disables the principal; the server's refusals (409 for roles from groups) show. */
function Controls({ principal }: { principal: Principal }) {
  const client = useQueryClient();
  const [roles, setRoles] = useState<Role[]>(principal.roles);
  const patch = useMutation({
    mutationFn: (body: { roles?: Role[]; disabled?: boolean }) =>
      unwrap(api.PATCH('/api/v1/principals/{id}', { params: { path: { id: principal.id } }, body })),
    onSuccess: (p) => {
      client.setQueryData(['principal', p.id], p);
      setRoles(p.roles);
      return client.invalidateQueries({ queryKey: ['principals'] });
    },
  });
  const changed = roles.length !== principal.roles.length || roles.some((r) => !principal.roles.includes(r));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="principal-controls">
      <Stack>
        <Title order={2} size="h3" id="principal-controls">
          Roles and access
        </Title>
        <Group>
          {ROLES.map((r) => (
            <Checkbox
              key={r}
              label={r}
              checked={roles.includes(r)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setRoles((rs) => (on ? [...rs, r] : rs.filter((x) => x !== r)));
                patch.reset();
              }}
            />
          ))}
          <Button
            size="sm"
            disabled={!changed}
            loading={patch.isPending}
            onClick={() => patch.mutate({ roles })}
          >
            Save roles
          </Button>
        </Group>
        <Group>
          <Button
            size="sm"
            color={principal.disabled ? 'green' : 'red'}
            variant="light"
            loading={patch.isPending}
            onClick={() => patch.mutate({ disabled: !principal.disabled })}
          >
            {principal.disabled ? 'Enable' : 'Disable'}
          </Button>
          <Text size="sm" c="dimmed">
            {principal.disabled
              ? 'Disabled: its tokens and sessions do not authenticate.'
              : 'A disabled principal can no longer authenticate with any token or session.'}
          </Text>
        </Group>
        {patch.isError && <ErrorAlert error={patch.error} />}
        {patch.isSuccess && (
          <Alert color="green" role="status">
            Saved.
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

/** `/admin/principals/{id}`: a principal, its roles, tokens and live sessions. */
export function PrincipalPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const principal = usePrincipal(id);
  return (
    <QueryBlock query={principal} loading="Loading the principal…">
      {(p) => (
        <Stack>
          <Group gap="sm" align="center">
            <Title order={1}>{p.displayName ?? p.email}</Title>
            <RoleBadges principal={p} />
          </Group>
          <Facts
            facts={[
              ['Email', p.email],
              ['Kind', p.kind],
              ['Roles', p.roles.join(', ') || 'none'],
              ['State', p.disabled ? 'disabled' : 'active'],
              ['Created', formatDateTime(p.createdAt)],
            ]}
          />
          {admin && <Controls key={p.id} principal={p} />}
          <TokensSection principal={p} admin={admin} />
          <SessionsSection principal={p} admin={admin} />
        </Stack>
      )}
    </QueryBlock>
  );
}
