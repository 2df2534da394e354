import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { formatDateTime, formatMinutes } from '../lib/format';

/** `/requests/{id}`, where request notifications link: the request and its approvals. */
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
  return (
    <Stack>
      <Title order={1}>Request for {group.data?.name ?? 'a group'}</Title>
      <Group>
        <Badge variant="light">{r.status}</Badge>
        <Text size="sm">
          asked {formatDateTime(r.createdAt)} for {formatMinutes(r.durationMinutes)}
        </Text>
      </Group>
      <Text>
        <strong>Why: </strong>
        {r.justification ?? 'no justification given'}
      </Text>
      {r.approvals.length === 0 ? (
        <Text>No approver has acted yet.</Text>
      ) : (
        r.approvals.map((a) => (
          <Text key={`${a.approverId}-${a.at}`} size="sm">
            {a.decision === 'approve' ? 'Approved' : 'Denied'} {formatDateTime(a.at)}
            {a.comment ? `: ${a.comment}` : ''}
          </Text>
        ))
      )}
    </Stack>
  );
}
