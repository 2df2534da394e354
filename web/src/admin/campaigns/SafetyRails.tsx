import { Alert, Button, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import {
  keepPreviousData,
  useMutation,
  type UseMutationResult,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ApiError, toApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { TableScroll } from '../../components/TableScroll';
import {
  approvalsText,
  percent,
  previewSummary,
  type RemediationPreview,
  warningsByKind,
} from './rails-logic';

type Campaign = components['schemas']['CampaignResponse'];

/**
 * The safety rails of a close (API.md "Campaigns that run themselves"): before the close, what it would
 * remove per group, what its caps would hold and what to look at first; after it, the held removals
 * and their release by a second admin. Regular campaigns once launched (a draft has no items yet).
 */
export function SafetyRails({ c, admin }: { c: Campaign; admin: boolean }) {
  const closed = c.status === 'closed';
  const client = useQueryClient();
  // Here, not in the held section: the section may unmount while data refetches, and the outcome must stay.
  const release = useMutation({
    // 200 released, 202 approval recorded: the status is the answer, so not through unwrap.
    mutationFn: async () => {
      const { error, response } = await api.POST('/api/v1/campaigns/{id}/release-held', {
        params: { path: { id: c.id } },
      });
      if (!response.ok) throw toApiError(response.status, error);
      return response.status;
    },
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['campaign', c.id] }),
        client.invalidateQueries({ queryKey: ['remediation-preview', c.id] }),
        client.invalidateQueries({ queryKey: ['held-items', c.id] }),
      ]),
  });
  const preview = useQuery({
    // The status and held count in the key: a close or a release shows at once; the previous answer
    // stays meanwhile, so the held section (and its release's outcome) is not unmounted.
    queryKey: ['remediation-preview', c.id, c.status, c.progress.held],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(api.GET('/api/v1/campaigns/{id}/remediation-preview', { params: { path: { id: c.id } } })),
  });
  if (preview.isPending) return <Loading label="Loading the remediation preview…" />;
  if (preview.isError) return <ErrorAlert error={preview.error} onRetry={() => void preview.refetch()} />;
  const p = preview.data;
  return (
    <Stack>
      <Paper withBorder p="md" component="section" aria-labelledby="remediation-preview">
        <Stack>
          <Title order={2} size="h3" id="remediation-preview">
            {closed ? 'Removals of the close' : 'Before you close: what it would remove'}
          </Title>
          <Text data-testid="preview-summary">{previewSummary(p, closed)}</Text>
          <Text size="sm" c="dimmed">
            Caps: at most {percent(c.maxRevokeSharePerGroup)} of a group and {c.maxRevokesPerClose} removals
            per close; the rest is held until a second admin releases it.
          </Text>
          {p.groups.length > 0 && <PreviewTable p={p} />}
          <Warnings p={p} />
        </Stack>
      </Paper>
      {closed && (c.progress.held > 0 || p.release.approvals.length > 0 || !release.isIdle) && (
        <HeldRemovals c={c} p={p} admin={admin} release={release} />
      )}
    </Stack>
  );
}

function PreviewTable({ p }: { p: RemediationPreview }) {
  return (
    <TableScroll minWidth={520} label="Removals per group">
      <Table aria-label="Removals per group" data-testid="preview-groups">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Group</Table.Th>
            <Table.Th>Members</Table.Th>
            <Table.Th>Removals</Table.Th>
            <Table.Th>Share</Table.Th>
            <Table.Th>Held</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {p.groups.map((g) => (
            <Table.Tr key={g.groupId}>
              <Table.Td>{g.name}</Table.Td>
              <Table.Td>{g.memberCount}</Table.Td>
              <Table.Td>{g.removals}</Table.Td>
              <Table.Td>{percent(g.share)}</Table.Td>
              <Table.Td>{g.held}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th>Total</Table.Th>
            <Table.Td />
            <Table.Td>{p.total}</Table.Td>
            <Table.Td />
            <Table.Td>{p.wouldHold}</Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
    </TableScroll>
  );
}

function Warnings({ p }: { p: RemediationPreview }) {
  const kinds = warningsByKind(p.warnings);
  if (kinds.length === 0) return null;
  return (
    <Stack gap="xs" data-testid="preview-warnings">
      {kinds.map((k) => (
        <Alert key={k.code} color="orange" title={k.title} data-testid={`warning-${k.code}`}>
          <List size="sm">
            {k.items.map((w, i) => (
              <List.Item key={`${w.groupId ?? ''}:${w.accountId ?? ''}:${i}`}>{w.message}</List.Item>
            ))}
          </List>
        </Alert>
      ))}
    </Stack>
  );
}

/** The held removals of a closed campaign, and the release that only another admin may give. */
function HeldRemovals({
  c,
  p,
  admin,
  release,
}: {
  c: Campaign;
  p: RemediationPreview;
  admin: boolean;
  release: UseMutationResult<number, Error, void>;
}) {
  const held = useQuery({
    queryKey: ['held-items', c.id, c.progress.held],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/campaigns/{id}/items', {
          params: { path: { id: c.id }, query: { remediation: 'held', limit: 200 } },
        }),
      ),
  });
  const refused =
    release.error instanceof ApiError && release.error.code === 'second_admin_required'
      ? release.error
      : null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="held-removals">
      <Stack>
        <Title order={2} size="h3" id="held-removals">
          Held removals
        </Title>
        <Text data-testid="held-count">
          {c.progress.held === 0
            ? 'Nothing is held any more.'
            : `${c.progress.held} removals are held: they stay in JumpCloud until ${
                p.release.approvalsRequired === 1 ? 'an admin' : 'two admins'
              } other than the one who closed the campaign release them.`}
        </Text>
        {c.progress.held > 0 && <Text data-testid="release-approvals">{approvalsText(p.release)}</Text>}
        {held.isError && <ErrorAlert error={held.error} />}
        {held.data && held.data.items.length > 0 && (
          <List size="sm" aria-label="Held removals" data-testid="held-items">
            {held.data.items.map((i) => (
              <List.Item key={i.id}>
                {i.account.displayName ?? i.account.email ?? i.account.id} ({i.account.email ?? 'no email'})
                from {i.group?.name ?? 'the JumpCloud administrators'}
              </List.Item>
            ))}
          </List>
        )}
        {held.data?.nextCursor && (
          <Text size="sm" c="dimmed">
            The first 200 are listed; report.csv has every one.
          </Text>
        )}
        {admin && c.progress.held > 0 && (
          <Button w="fit-content" loading={release.isPending} onClick={() => release.mutate()}>
            Release held removals
          </Button>
        )}
        {release.data === 202 && (
          <Alert color="blue" title="Approval recorded" data-testid="release-recorded">
            {approvalsText(p.release)}. The system closed this campaign, so a second admin must release too.
          </Alert>
        )}
        {release.data === 200 && (
          <Alert color="green" title="Released" data-testid="release-done">
            The held removals go out to JumpCloud now.
          </Alert>
        )}
        {refused ? (
          <Alert color="orange" title="Another admin must release these" data-testid="second-admin-required">
            <Stack gap="xs">
              <Text size="sm">{refused.message}</Text>
              <Text size="sm">
                The admin who closed a campaign, and the bootstrap admin, never release what it held: ask
                another admin to open this page and release them.
              </Text>
            </Stack>
          </Alert>
        ) : (
          release.isError && <ErrorAlert error={release.error} />
        )}
      </Stack>
    </Paper>
  );
}
