import { Stack, Text, Title } from '@mantine/core';
import { useMe } from '../shell/useMe';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { ApprovalCard } from './ApprovalCard';
import { useRequestsToApprove } from './useApprovals';

export function ApprovalsPage() {
  const requests = useRequestsToApprove();
  const me = useMe();
  // A person's approval counts for one step only: once they decided, nothing is left for them to do.
  const waiting = (requests.data?.items ?? []).filter(
    (r) => !r.approvals.some((a) => a.approverId !== null && a.approverId === me.data?.id),
  );
  return (
    <Stack gap="md">
      <Title order={1}>Approvals</Title>
      {requests.isPending ? (
        <Loading label="Loading requests waiting for you…" />
      ) : requests.isError ? (
        <ErrorAlert error={requests.error} onRetry={() => void requests.refetch()} />
      ) : waiting.length === 0 ? (
        <Text data-testid="approvals-empty">No request is waiting for your approval.</Text>
      ) : (
        waiting.map((r) => <ApprovalCard key={r.id} request={r} />)
      )}
    </Stack>
  );
}
