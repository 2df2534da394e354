import { Alert, Badge, Group, List, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { formatDateTime, formatMinutes } from '../lib/format';
import { approvalLine, grantState, stepLines, stepSummary } from './access-logic';

// Grants whose startsAt is the moment JumpCloud confirmed the membership (a scheduled one's is its plan).
const CLOCK_STARTED = new Set(['active', 'revoking', 'ended']);

/**
 * `/requests/{id}`, where request notifications link: the request, the step it waits on and who can
 * act on it, every step (skipped ones with their reason), its approvals (rules included), approvers
 * replaced, when it expires undecided, and its grant with the moment its clock started.
 */
export function RequestPage() {
  const { id = '' } = useParams();
  const request = useQuery({
    queryKey: ['access-request', id],
    queryFn: () => unwrap(api.GET('/api/v1/access-requests/{id}', { params: { path: { id } } })),
    // Steps move on and grants start without this page: keep it current.
    refetchInterval: 5000,
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
        <Badge variant="light" data-testid="request-status">
          {r.status}
        </Badge>
        {r.breakGlass && (
          <Badge color="red" variant="filled">
            break-glass
          </Badge>
        )}
        <Text size="sm">
          asked {formatDateTime(r.createdAt)} for {formatMinutes(r.durationMinutes)}
          {r.startsAt ? `, to start ${formatDateTime(r.startsAt)}` : ''}
        </Text>
      </Group>
      {r.breakGlass && (
        <Alert color="red" title="Break-glass access">
          Granted at once without approval; every owner, approver and admin was told, and the group&apos;s
          owner reviews this use in Break-glass reviews.
        </Alert>
      )}
      <Text>
        <strong>Why: </strong>
        {r.justification ?? 'no justification given'}
      </Text>
      {step && (
        <Stack gap={4} data-testid="current-step">
          <Text fw={600}>Waiting on {step}</Text>
          <Text size="sm" data-testid="eligible-approvers">
            {r.eligibleApprovers.length > 0
              ? `Who can act now: ${r.eligibleApprovers.map((e) => e.displayName ?? e.id).join(', ')}`
              : 'Nobody can act on this step yet.'}
          </Text>
        </Stack>
      )}
      <Text size="sm" data-testid="request-expiry">
        {r.status === 'pending'
          ? `Expires ${formatDateTime(r.expiresAt)} if nobody decides it.`
          : r.status === 'expired'
            ? `Expired undecided at ${formatDateTime(r.expiresAt)}.`
            : `Decided ${formatDateTime(r.decidedAt)}.`}
      </Text>
      {!r.breakGlass && (
        <section aria-label="Approval steps">
          <Text fw={600}>Approval steps</Text>
          <List size="sm" data-testid="steps">
            {stepLines(r, nameOf).map((line, i) => (
              <List.Item key={i}>{line}</List.Item>
            ))}
          </List>
        </section>
      )}
      {r.approvals.length === 0 ? (
        <Text>No approver has acted yet.</Text>
      ) : (
        <List size="sm" aria-label="Approvals" data-testid="approvals">
          {r.approvals.map((a) => (
            <List.Item key={`${a.approverId ?? a.step ?? a.rule}-${a.at}`}>
              {approvalLine(a, nameOf)} · {formatDateTime(a.at)}
            </List.Item>
          ))}
        </List>
      )}
      {r.approverChanges.length > 0 && (
        <List size="sm" aria-label="Approvers replaced" data-testid="approver-changes">
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
        <Text size="sm" data-testid="request-grant">
          Grant: {grantState(r.grant)}
          {CLOCK_STARTED.has(r.grant.status) && r.grant.startsAt
            ? `; its clock started ${formatDateTime(r.grant.startsAt)}, when JumpCloud confirmed the membership`
            : ''}
          {r.grant.endReason ? ` (${r.grant.endReason})` : ''}
        </Text>
      )}
    </Stack>
  );
}
