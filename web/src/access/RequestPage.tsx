import { Badge, Group, List, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { formatDateTime, formatMinutes } from '../lib/format';
import { approvalLine, stepSummary } from './access-logic';

/**
 * `/requests/{id}`, where request notifications link: the request, the step it waits on and who can
 * act on it, its approvals (skipped steps and rules included), approvers replaced, and its grant.
 */
export function RequestPage() {
  const { id = '' } = useParams();
  const request = useQuery({
    queryKey: ['access-request', id],
    queryFn: () => unwrap(api.GET('/api/v1/access-requests/{id}', { params: { path: { id } } })),
  });
  const group = useQuery({
    queryKey: ['group', request.data?.groupId],
    enabled: !!request.data,
    queryFn: () =>
      unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id: request.data?.groupId ?? '' } } })),
  });
  if (request.isPending) return <Loading label="Loading the request…" />;
  if (request.isError) return <ErrorAlert error={request.error} onRetry={() => void request.refetch()} />;
  const r = request.data;
  const names = new Map(r.eligibleApprovers.map((e) => [e.id, e.displayName ?? e.id]));
  const nameOf = (pid: string) => names.get(pid) ?? (pid === r.requesterId ? 'the requester' : 'an approver');
  const step = stepSummary(r);
  return (
    <Stack>
      <Title order={1}>Request for {group.data?.name ?? 'a group'}</Title>
      <Group>
        <Badge variant="light">{r.status}</Badge>
        <Text size="sm">
          asked {formatDateTime(r.createdAt)} for {formatMinutes(r.durationMinutes)}
          {r.startsAt ? `, to start ${formatDateTime(r.startsAt)}` : ''}
        </Text>
      </Group>
      <Text>
        <strong>Why: </strong>
        {r.justification ?? 'no justification given'}
      </Text>
      {step && (
        <Stack gap={4} data-testid="current-step">
          <Text fw={600}>{step}</Text>
          <Text size="sm">
            {r.eligibleApprovers.length > 0
              ? `Who can act now: ${r.eligibleApprovers.map((e) => e.displayName ?? e.id).join(', ')}`
              : 'Nobody can act on this step yet.'}
          </Text>
          <Text size="sm">Expires {formatDateTime(r.expiresAt)} if nobody decides it.</Text>
        </Stack>
      )}
      {r.approvals.length === 0 ? (
        <Text>No approver has acted yet.</Text>
      ) : (
        <List size="sm" aria-label="Approvals">
          {r.approvals.map((a) => (
            <List.Item key={`${a.approverId ?? a.step ?? a.rule}-${a.at}`}>
              {approvalLine(a, nameOf)} · {formatDateTime(a.at)}
            </List.Item>
          ))}
        </List>
      )}
      {r.approverChanges.length > 0 && (
        <List size="sm" aria-label="Approvers replaced">
          {r.approverChanges.map((c) => (
            <List.Item key={`${c.removedId}-${c.at}`}>
              An approver who left ({c.reason === 'disabled' ? 'disabled' : 'accounts suspended or removed'})
              was skipped
              {c.addedIds.length > 0
                ? `; ${c.addedIds.length} owner(s) or admin(s) asked instead`
                : ''} · {formatDateTime(c.at)}
            </List.Item>
          ))}
        </List>
      )}
      {r.grant && (
        <Text size="sm">
          Grant: {r.grant.status}
          {r.grant.status === 'scheduled' && r.grant.startsAt
            ? `, starts ${formatDateTime(r.grant.startsAt)}`
            : ''}
          {r.grant.status !== 'scheduled' && r.grant.startsAt
            ? `, clock started ${formatDateTime(r.grant.startsAt)} (confirmed in JumpCloud)`
            : ''}
          {r.grant.expiresAt ? `, until ${formatDateTime(r.grant.expiresAt)}` : ''}
        </Text>
      )}
    </Stack>
  );
}
