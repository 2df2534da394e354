import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  NumberInput,
  Stack,
  Table,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { QueryBlock } from '../../components/QueryBlock';
import { TableScroll } from '../../components/TableScroll';
import { formatDateTime } from '../../lib/format';
import { type Principal, usePrincipalTokens } from './usePrincipals';

/** An admin mints a token; its plaintext is shown here once, and never again by the server. */
function MintForm({ principal }: { principal: Principal }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | ''>(90);
  const mint = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/principals/{id}/tokens', {
          params: { path: { id: principal.id } },
          // The generated type makes the API's default (90) explicit.
          body: { name: name.trim(), expiresInDays: days === '' ? 90 : days },
        }),
      ),
    onSuccess: () => {
      setName('');
      return client.invalidateQueries({ queryKey: ['principal-tokens', principal.id] });
    },
  });
  return (
    <form
      aria-label="New token"
      onSubmit={(e) => {
        e.preventDefault();
        mint.mutate();
      }}
    >
      <Stack>
        <Group align="flex-end">
          <TextInput
            label="Token name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <NumberInput
            label="Expires in days"
            description="1 to 365"
            value={days}
            onChange={(v) => setDays(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
            allowDecimal={false}
            w={140}
          />
          <Button type="submit" loading={mint.isPending}>
            Create token
          </Button>
        </Group>
        {mint.isError && <ErrorAlert error={mint.error} />}
        {mint.data && (
          <Alert color="yellow" title="Copy this token now: it is shown only once" data-testid="minted-token">
            <Stack gap="xs">
              <Code block>{mint.data.token}</Code>
              <CopyButton value={mint.data.token}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy} w="fit-content">
                    {copied ? 'Copied' : 'Copy token'}
                  </Button>
                )}
              </CopyButton>
            </Stack>
          </Alert>
        )}
      </Stack>
    </form>
  );
}

/** The principal's tokens (never their secret); admins mint and revoke. */
export function TokensSection({ principal, admin }: { principal: Principal; admin: boolean }) {
  const client = useQueryClient();
  const tokens = usePrincipalTokens(principal.id);
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['principal-tokens', principal.id] }),
  });
  return (
    <Stack component="section" aria-labelledby="tokens">
      <Title order={2} size="h3" id="tokens">
        Tokens
      </Title>
      {admin && <MintForm principal={principal} />}
      {revoke.isError && <ErrorAlert error={revoke.error} />}
      <QueryBlock query={tokens} loading="Loading tokens…" empty="No token." emptyTestId="tokens-empty">
        {(data) => (
          <TableScroll minWidth={640} label="Tokens">
            <Table aria-label="Tokens">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Starts with</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>State</Table.Th>
                  {admin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((t) => (
                  <Table.Tr key={t.id} data-testid="token-row">
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>
                      <Code>{t.prefix}</Code>
                    </Table.Td>
                    <Table.Td>{formatDateTime(t.createdAt)}</Table.Td>
                    <Table.Td>{formatDateTime(t.expiresAt)}</Table.Td>
                    <Table.Td>{formatDateTime(t.lastUsedAt)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={t.revokedAt ? 'gray' : 'green'}>
                        {t.revokedAt ? 'revoked' : 'active'}
                      </Badge>
                    </Table.Td>
                    {admin && (
                      <Table.Td>
                        {!t.revokedAt && (
                          <Button
                            size="xs"
                            color="red"
                            variant="light"
                            loading={revoke.isPending && revoke.variables === t.id}
                            onClick={() => revoke.mutate(t.id)}
                            aria-label={`Revoke token ${t.name}`}
                          >
                            Revoke
                          </Button>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </TableScroll>
        )}
      </QueryBlock>
    </Stack>
  );
}
