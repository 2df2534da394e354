import { Stack, Text, Title } from '@mantine/core';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { ApprovalCard } from './ApprovalCard';
import { useRequestsToApprove } from './useApprovals';

export function ApprovalsPage() {
  const requests = useRequestsToApprove();
  return (
    <Stack gap="md">
      <Title order={1}>Approvals</Title>
      {requests.isPending ? (
        <Loading label="Loading requests waiting for you…" />
      ) : requests.isError ? (
        <ErrorAlert error={requests.error} onRetry={() => void requests.refetch()} />
      ) : requests.data.items.length === 0 ? (
        <Text data-testid="approvals-empty">No request is waiting for your approval.</Text>
      ) : (
        requests.data.items.map((r) => <ApprovalCard key={r.id} request={r} />)
      )}
    </Stack>
  );
}
