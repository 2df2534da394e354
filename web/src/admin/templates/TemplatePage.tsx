import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { AppModal } from '../../components/AppModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { formatDate, formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { Facts } from '../../components/Facts';
import { QueryBlock } from '../../components/QueryBlock';
import { scheduleText, type Template } from './template-logic';
import { TemplateForm } from './TemplateForm';

/** `/admin/templates/{id}`: a template's settings, edit and delete, and the campaigns it made. */
export function TemplatePage() {
  const { id = '' } = useParams();
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const navigate = useNavigate();
  const client = useQueryClient();
  const template = useQuery({
    queryKey: ['campaign-template', id],
    queryFn: () => unwrap(api.GET('/api/v1/campaign-templates/{id}', { params: { path: { id } } })),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/campaign-templates/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['campaign-templates'] });
      void navigate('/admin/templates');
    },
  });

  if (template.isPending) return <Loading label="Loading the template…" />;
  if (template.isError) return <ErrorAlert error={template.error} onRetry={() => void template.refetch()} />;
  const t = template.data;
  return (
    <Stack>
      <Title order={1}>{t.name}</Title>
      {t.description && <Text c="dimmed">{t.description}</Text>}
      {editing ? <TemplateForm template={t} onDone={() => setEditing(false)} /> : <TemplateFacts t={t} />}
      {admin && !editing && (
        <Group>
          <Button onClick={() => setEditing(true)}>Edit</Button>
          <Button variant="light" color="red" onClick={() => setConfirming(true)}>
            Delete template
          </Button>
        </Group>
      )}
      <AppModal opened={confirming} onClose={() => setConfirming(false)} title="Delete this template?">
        <Stack>
          <Text>No campaign will be made from it any more. The campaigns it already made stay.</Text>
          {remove.isError && <ErrorAlert error={remove.error} />}
          <Group>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete
            </Button>
            <Button variant="subtle" onClick={() => setConfirming(false)}>
              Keep it
            </Button>
          </Group>
        </Stack>
      </AppModal>
      <Title order={2} size="h3">
        Campaigns made from it
      </Title>
      <TemplateCampaigns templateId={t.id} />
    </Stack>
  );
}

function TemplateFacts({ t }: { t: Template }) {
  const facts: [string, string][] = [
    ['Schedule', scheduleText(t.schedule)],
    ['Period in progress', `${t.currentPeriod.key} (until ${formatDate(t.currentPeriod.endsAt)})`],
    ['Next launch', formatDateTime(t.nextLaunchAt)],
    ['Each campaign runs', `${t.durationDays} days`],
    ['Mode', t.mode],
    ['Certifies kept memberships for', `${t.certificationValidDays} days`],
    ['Recommends a review after', `${t.inactiveDays} days without a sign-in`],
    ['Oldest accepted sync', `${t.maxSyncAgeHours} hours`],
    ['Reviewers', t.reviewerStrategy.replace('_', ' ')],
    ['Undecided at close', t.defaultDecision],
    ['Remediation', t.autoRemediate ? 'automatic' : 'manual'],
    ['Groups in scope', t.scope.groupIds.length === 0 ? 'every group' : String(t.scope.groupIds.length)],
  ];
  return (
    <div data-testid="template-facts">
      <Facts facts={facts} />
    </div>
  );
}

function TemplateCampaigns({ templateId }: { templateId: string }) {
  const list = useQuery({
    queryKey: ['campaign-template-campaigns', templateId],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/campaign-templates/{id}/campaigns', {
          params: { path: { id: templateId }, query: { limit: 200 } },
        }),
      ),
    // The tick makes and launches campaigns by itself: follow it.
    refetchInterval: 5_000,
  });
  return (
    <QueryBlock
      query={list}
      loading="Loading its campaigns…"
      empty="None yet: the next tick makes the period's campaign."
      emptyTestId="template-campaigns-empty"
    >
      {(data) => (
        <Table aria-label="Campaigns made from this template">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Period</Table.Th>
              <Table.Th>Campaign</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Due</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((c) => (
              <Table.Tr key={c.id} data-testid="template-campaign-row">
                <Table.Td>{c.period}</Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/admin/campaigns/${c.id}`}>
                    {c.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{c.status}</Badge>
                </Table.Td>
                <Table.Td>{formatDate(c.dueAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryBlock>
  );
}
