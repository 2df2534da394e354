import { Anchor, Badge, Button, Stack, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDate } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { CampaignCreateForm } from './CampaignCreateForm';
import { dueLabel } from './campaign-logic';

/** `/admin/campaigns`: every campaign with its state and progress; admins create new ones here. */
export function CampaignsPage() {
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['campaigns'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack>
      <Title order={1}>Campaigns</Title>
      {admin && !creating && (
        <Button w="fit-content" onClick={() => setCreating(true)}>
          New campaign
        </Button>
      )}
      {admin && creating && <CampaignCreateForm />}
      <QueryBlock
        query={list}
        loading="Loading campaigns…"
        empty="No campaign yet."
        emptyTestId="campaigns-empty"
      >
        {(data) => (
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label="Campaigns">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Due</Table.Th>
                  <Table.Th>Decided</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((c) => (
                  <Table.Tr key={c.id} data-testid="campaign-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/admin/campaigns/${c.id}`}>
                        {c.name}
                      </Anchor>
                      {c.kind === 'standing' && (
                        <Badge ml="xs" variant="outline" color="grape" data-testid="campaign-standing">
                          standing
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light">{c.status}</Badge>
                    </Table.Td>
                    <Table.Td>{dueLabel(c, formatDate)}</Table.Td>
                    <Table.Td>
                      {c.progress.total - c.progress.pending} of {c.progress.total}
                    </Table.Td>
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
