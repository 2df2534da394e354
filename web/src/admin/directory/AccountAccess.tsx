import { Anchor, Group, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDate } from '../../lib/format';
import { useAccountAccess } from './useDirectory';

/**
 * The account's effective access (API.md `GET /accounts/{id}/access`): each application it reaches
 * with the groups it comes through, then each group with what holds it there (a just-in-time grant or
 * standing membership) and until when a review certified it.
 */
export function AccountAccess({ accountId }: { accountId: string }) {
  const access = useAccountAccess(accountId);
  return (
    <QueryBlock query={access} loading="Loading the account's access…">
      {(a) => (
        <>
          <Title order={2} size="h3">
            Applications
          </Title>
          {a.applications.length === 0 ? (
            <Text data-testid="account-applications-empty">No application through its groups.</Text>
          ) : (
            <Table.ScrollContainer minWidth={360}>
              <Table aria-label="Applications this account reaches">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Application</Table.Th>
                    <Table.Th>Through</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.applications.map((app) => (
                    <Table.Tr key={app.id} data-testid="account-application-row">
                      <Table.Td>{app.name}</Table.Td>
                      <Table.Td>
                        <Group gap="xs">
                          {app.via.map((g) => (
                            <Anchor
                              key={g.groupId}
                              component={Link}
                              to={`/admin/directory/groups/${g.groupId}`}
                            >
                              {g.name}
                            </Anchor>
                          ))}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {a.groups.length > 0 && (
            <>
              <Title order={2} size="h3">
                How each group is held
              </Title>
              <Table.ScrollContainer minWidth={360}>
                <Table aria-label="How this account holds each group">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Group</Table.Th>
                      <Table.Th>Held by</Table.Th>
                      <Table.Th>Certified until</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {a.groups.map((g) => (
                      <Table.Tr key={g.groupId} data-testid="account-access-group-row">
                        <Table.Td>{g.name}</Table.Td>
                        <Table.Td>{g.grantId ? 'just-in-time grant' : 'standing membership'}</Table.Td>
                        <Table.Td>
                          {g.certifiedUntil ? formatDate(g.certifiedUntil) : 'not certified'}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          )}
        </>
      )}
    </QueryBlock>
  );
}
