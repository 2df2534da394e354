import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { formatDateTime } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { campaignActions, dueLabel, hasEvidence } from './campaign-logic';
import grid from './Grid.module.css';
import { ProgressChart } from './ProgressChart';
import { percent } from './rails-logic';
import { SafetyRails } from './SafetyRails';

type Campaign = components['schemas']['CampaignResponse'];
// `force`: launch over a directory older than the campaign's maxSyncAgeHours (audited by the server).
type Action = 'launch' | 'force' | 'close' | 'cancel';
const MOVING = new Set(['launching', 'closing']);

/** `/admin/campaigns/{id}`: state, progress by reviewer or group, launch / close / cancel, report.csv. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const by = params.get('by') === 'group' ? 'group' : 'reviewer';
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const client = useQueryClient();
  const campaign = useQuery({
    queryKey: ['campaign', id],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns/{id}', { params: { path: { id } } })),
    // Launch and close run in the workers: follow them until they settle.
    refetchInterval: (q) => (q.state.data && MOVING.has(q.state.data.status) ? 1_000 : 10_000),
  });
  const act = useMutation({
    mutationFn: (action: Action) =>
      unwrap(
        action === 'launch' || action === 'force'
          ? api.POST('/api/v1/campaigns/{id}/launch', {
              params: { path: { id } },
              body: { force: action === 'force' },
            })
          : action === 'close'
            ? api.POST('/api/v1/campaigns/{id}/close', { params: { path: { id } } })
            : api.POST('/api/v1/campaigns/{id}/cancel', { params: { path: { id } } }),
      ),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['campaign', id] }),
        client.invalidateQueries({ queryKey: ['campaign-progress', id] }),
        client.invalidateQueries({ queryKey: ['campaigns'] }),
      ]),
  });

  if (campaign.isPending) return <Loading label="Loading the campaign…" />;
  if (campaign.isError) return <ErrorAlert error={campaign.error} onRetry={() => void campaign.refetch()} />;
  const c = campaign.data;
  const can = campaignActions(c.status, c.kind);
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={1}>{c.name}</Title>
          {c.description && <Text c="dimmed">{c.description}</Text>}
        </Stack>
        <Group gap="xs">
          {c.kind === 'standing' && (
            <Badge size="lg" variant="outline" color="grape" data-testid="campaign-kind">
              standing
            </Badge>
          )}
          <Badge size="lg" variant="light" data-testid="campaign-status">
            {c.status}
          </Badge>
        </Group>
      </Group>
      <Facts c={c} />
      {admin && (can.launch || can.close || can.cancel) && (
        <Group>
          {can.launch && (
            <Button loading={act.isPending} onClick={() => act.mutate('launch')}>
              Launch
            </Button>
          )}
          {can.close && (
            <Button loading={act.isPending} onClick={() => act.mutate('close')}>
              Close now
            </Button>
          )}
          {can.cancel && (
            <Button variant="light" color="red" loading={act.isPending} onClick={() => act.mutate('cancel')}>
              Cancel campaign
            </Button>
          )}
        </Group>
      )}
      {act.error instanceof ApiError && act.error.code === 'stale_directory' && c.status === 'draft' ? (
        <Alert
          color="orange"
          title="The directory is older than this campaign accepts"
          data-testid="stale-directory"
        >
          <Stack gap="xs">
            <Text size="sm">{act.error.message}</Text>
            {admin && (
              <Button w="fit-content" loading={act.isPending} onClick={() => act.mutate('force')}>
                Launch anyway (force)
              </Button>
            )}
          </Stack>
        </Alert>
      ) : (
        act.isError && <ErrorAlert error={act.error} />
      )}
      {MOVING.has(c.status) && (
        <Alert color="blue" title="In progress">
          The workers are {c.status === 'launching' ? 'assigning items to reviewers' : 'closing the campaign'}
          ; this page follows them.
        </Alert>
      )}
      <Group>
        <Anchor href={`/api/v1/campaigns/${c.id}/report.csv`} download={`${c.name}.csv`} w="fit-content">
          Download report.csv
        </Anchor>
        {hasEvidence(c.status) && (
          <Anchor
            href={`/api/v1/campaigns/${c.id}/evidence`}
            download={`${c.name} evidence.zip`}
            w="fit-content"
            data-testid="download-evidence"
          >
            Download evidence
          </Anchor>
        )}
      </Group>
      {c.kind === 'regular' && (c.status === 'active' || c.status === 'closed') && (
        <SafetyRails c={c} admin={admin} />
      )}
      <Title order={2} size="h3">
        Progress
      </Title>
      <ProgressChart campaignId={c.id} by={by} onBy={(b) => setParams({ by: b }, { replace: true })} />
    </Stack>
  );
}

function Facts({ c }: { c: Campaign }) {
  const p = c.progress;
  const facts: [string, string][] = [
    ['Due', dueLabel(c, formatDateTime)],
    ['Launched', formatDateTime(c.launchedAt)],
    ['Closed', formatDateTime(c.closedAt)],
    ['Reviewers', c.reviewerStrategy.replace('_', ' ')],
    ['Decided', `${p.total - p.pending} of ${p.total}`],
    ['Kept / revoked / expired', `${p.kept} / ${p.revoked} / ${p.expired}`],
    ['Converted to just-in-time', String(p.converted)],
    ['Mode', c.mode === 'delta' ? `delta (${p.carried} carried on their certification)` : 'full'],
    ['Certifies kept memberships for', `${c.certificationValidDays} days`],
    ['Recommends a review after', `${c.inactiveDays} days without a sign-in`],
    ['Undecided at close', c.defaultDecision],
    [
      'Remediation',
      c.autoRemediate
        ? `automatic (${p.remediated} done, ${p.remediationFailed} failed, ${p.held} held)`
        : `manual (${p.manual})`,
    ],
    ['Caps of a close', `${percent(c.maxRevokeSharePerGroup)} of a group, ${c.maxRevokesPerClose} removals`],
    ['Administrators reviewed', c.scope.administrators ? 'yes (removed by hand)' : 'no'],
  ];
  return (
    <Paper withBorder p="md">
      <div className={grid.facts} data-testid="campaign-facts">
        {facts.map(([k, v]) => (
          <Stack key={k} gap={0}>
            <Text size="xs" c="dimmed">
              {k}
            </Text>
            <Text size="sm">{v}</Text>
          </Stack>
        ))}
      </div>
    </Paper>
  );
}
