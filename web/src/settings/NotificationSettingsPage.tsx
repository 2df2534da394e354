import { Alert, Button, Checkbox, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { ErrorAlert } from '../components/ErrorAlert';
import { ProblemList } from '../components/ProblemList';
import { Loading } from '../components/Loading';
import { TableScroll } from '../components/TableScroll';
import { kindLabel, NOTIFICATION_KINDS } from '../lib/notification-kinds';
import {
  ALWAYS_ON,
  IGNORES_PREFERENCES,
  type Matrix,
  matrixOf,
  matrixProblems,
  PREFERENCE_CHANNELS,
  toPutBody,
} from './preferences-logic';

function PreferencesForm({ saved }: { saved: Matrix }) {
  const [m, setM] = useState<Matrix>(saved);
  const client = useQueryClient();
  const problems = matrixProblems(m);
  const changed = JSON.stringify(m) !== JSON.stringify(saved);
  const save = useMutation({
    mutationFn: () => unwrap(api.PUT('/api/v1/me/notification-preferences', { body: toPutBody(m) })),
    onSuccess: (data) => client.setQueryData(['preferences'], data),
  });
  return (
    <Stack>
      <TableScroll label="Notification preferences (scrolls sideways)" minWidth={360}>
        <Table aria-label="Notification preferences">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>What</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Slack</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {NOTIFICATION_KINDS.map((k) => {
              const fixed = IGNORES_PREFERENCES.includes(k);
              return (
                <Table.Tr key={k} data-testid="preference-row">
                  <Table.Td>
                    <Text size="sm">{kindLabel(k)}</Text>
                    {fixed && (
                      <Text size="xs" c="dimmed">
                        Always sent on every channel.
                      </Text>
                    )}
                    {ALWAYS_ON.includes(k) && (
                      <Text size="xs" c="dimmed">
                        At least one channel stays on.
                      </Text>
                    )}
                  </Table.Td>
                  {PREFERENCE_CHANNELS.map((ch) => (
                    <Table.Td key={ch}>
                      <Checkbox
                        aria-label={`${kindLabel(k)} by ${ch}`}
                        checked={fixed || m[k][ch]}
                        disabled={fixed}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setM((prev) => ({ ...prev, [k]: { ...prev[k], [ch]: on } }));
                        }}
                      />
                    </Table.Td>
                  ))}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </TableScroll>
      <ProblemList problems={problems} testId="preference-problems" />
      {save.isError && <ErrorAlert error={save.error} />}
      {save.isSuccess && !changed && (
        <Alert color="green" title="Saved" data-testid="preferences-saved">
          Your preferences apply to the next notification.
        </Alert>
      )}
      <Group>
        <Button
          disabled={!changed || problems.length > 0}
          loading={save.isPending}
          onClick={() => save.mutate()}
        >
          Save preferences
        </Button>
        <Button variant="default" disabled={!changed} onClick={() => setM(saved)}>
          Undo changes
        </Button>
      </Group>
    </Stack>
  );
}

/** `/settings/notifications`: what reaches me by email and by Slack, for every signed-in person. */
export function NotificationSettingsPage() {
  const prefs = useQuery({
    queryKey: ['preferences'],
    queryFn: () => unwrap(api.GET('/api/v1/me/notification-preferences')),
  });
  return (
    <Stack>
      <Title order={1}>Notification settings</Title>
      <Text size="sm">
        Choose what jumpgate tells you, and where. Webhooks belong to the organisation and are not switched
        here.
      </Text>
      {prefs.isPending ? (
        <Loading label="Loading your preferences…" />
      ) : prefs.isError ? (
        <ErrorAlert error={prefs.error} onRetry={() => void prefs.refetch()} />
      ) : (
        <PreferencesForm saved={matrixOf(prefs.data.kinds)} />
      )}
    </Stack>
  );
}
