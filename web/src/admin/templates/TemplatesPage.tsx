import { Anchor, Badge, Button, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { scheduleText } from './template-logic';
import { TemplateForm } from './TemplateForm';

/** `/admin/templates`: campaign templates with their schedule and next launch; admins create them here. */
export function TemplatesPage() {
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['campaign-templates'],
    queryFn: () => unwrap(api.GET('/api/v1/campaign-templates', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1}>Campaign templates</Title>
      <Text c="dimmed">
        Each template makes and launches one campaign per period, by itself, once the directory is fresh.
      </Text>
      {admin && !creating && (
        <Button w="fit-content" onClick={() => setCreating(true)}>
          New template
        </Button>
      )}
      {admin && creating && <TemplateForm />}
      <QueryBlock
        query={list}
        loading="Loading templates…"
        empty="No template yet."
        emptyTestId="templates-empty"
      >
        {(data) => (
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label="Campaign templates">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Schedule</Table.Th>
                  <Table.Th>Mode</Table.Th>
                  <Table.Th>Next launch</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((t) => (
                  <Table.Tr key={t.id} data-testid="template-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/admin/templates/${t.id}`}>
                        {t.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{scheduleText(t.schedule)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light">{t.mode}</Badge>
                    </Table.Td>
                    <Table.Td>{formatDateTime(t.nextLaunchAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryBlock>
    </Stack>
  );
}
