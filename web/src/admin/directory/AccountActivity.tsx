import { Table, Text, Title } from '@mantine/core';
import { QueryBlock } from '../../components/QueryBlock';
import { activityReadNote, lastSignInText } from '../../lib/activity';
import { useNow } from '../../lib/useNow';
import { useAccountActivity } from './useDirectory';

/**
 * The account's sign-ins as Directory Insights showed them (API.md `GET /accounts/{id}/activity`): the
 * last of any kind, and the last per application it reaches or signed in to.
 */
export function AccountActivity({ accountId }: { accountId: string }) {
  const activity = useAccountActivity(accountId);
  // A minute is the finest unit these times show.
  const now = useNow(60_000);
  return (
    <QueryBlock query={activity} loading="Loading the account's activity…">
      {(a) => (
        <>
          <Title order={2} size="h3">
            Activity
          </Title>
          <Text size="sm" c="dimmed" data-testid="account-activity-note">
            {activityReadNote(a, now)}
          </Text>
          <Text data-testid="account-last-sign-in">Last sign-in: {lastSignInText(a.lastSignInAt, now)}</Text>
          {a.applications.length === 0 ? (
            <Text data-testid="account-activity-empty">No application reached or signed in to.</Text>
          ) : (
            <Table.ScrollContainer minWidth={320}>
              <Table aria-label="Last sign-in per application">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Application</Table.Th>
                    <Table.Th>Last sign-in</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.applications.map((app) => (
                    <Table.Tr key={app.id} data-testid="account-activity-row">
                      <Table.Td>{app.name}</Table.Td>
                      <Table.Td>{lastSignInText(app.lastSignInAt, now)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
    </QueryBlock>
  );
}
