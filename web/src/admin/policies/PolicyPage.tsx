import { Anchor, Badge, Group, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Facts } from '../../components/Facts';
import { QueryBlock } from '../../components/QueryBlock';
import { formatDateTime, formatMinutes } from '../../lib/format';
import { canAdminister } from '../../shell/roles';
import { useMe } from '../../shell/useMe';
import { useGroup, useGroups } from '../directory/useDirectory';
import { principalLabel, usePrincipals } from '../principals/usePrincipals';
import { PolicyForm } from './PolicyForm';
import type { Policy } from './policy-logic';
import { usePolicy } from './usePolicy';

const names = (ids: readonly string[], labels: Map<string, string>) =>
  ids.map((id) => labels.get(id) ?? id).join(', ') || 'none';

/** What an auditor sees: the same policy, as facts, with no control to change it. */
function PolicyFacts({
  policy,
  labels,
  groupNames,
}: {
  policy: Policy;
  labels: Map<string, string>;
  groupNames: Map<string, string>;
}) {
  return (
    <Facts
      facts={[
        ['Requestable', policy.requestable ? 'yes' : 'no'],
        ['Owners', names(policy.ownerIds, labels)],
        ['Approvers', names(policy.approverIds, labels)],
        [
          'Approval steps',
          policy.approvalSteps
            .map((st, i) =>
              st.kind === 'manager'
                ? `${i + 1}. the manager`
                : `${i + 1}. ${st.required ?? 1} of the approvers`,
            )
            .join('; '),
        ],
        [
          'Automatic approval rules',
          policy.autoApproveRules.length === 0
            ? 'none'
            : policy.autoApproveRules
                .map(
                  (r, i) =>
                    `${i + 1}. up to ${formatMinutes(r.maxDurationMinutes)}` +
                    (r.departments?.length ? `, departments ${r.departments.join(', ')}` : '') +
                    (r.requesterInGroupIds?.length
                      ? `, members of ${names(r.requesterInGroupIds, groupNames)}`
                      : '') +
                    (r.forOthers ? ', also for others' : ''),
                )
                .join('; '),
        ],
        [
          'Break-glass',
          policy.breakGlass?.enabled
            ? `allowed, up to ${formatMinutes(policy.breakGlass.maxDurationMinutes)}`
            : 'not allowed',
        ],
        ['Requests wait at most', `${policy.requestTtlHours} h`],
        ['Longest grant', formatMinutes(policy.maxDurationMinutes)],
        ['Default grant', formatMinutes(policy.defaultDurationMinutes)],
        ['Justification', policy.requireJustification ? 'required' : 'optional'],
        ['Self-requests', policy.autoApprove ? 'approved automatically' : 'need approval'],
        [
          'Eligible',
          policy.eligibleGroupIds?.length
            ? `members of ${names(policy.eligibleGroupIds, groupNames)}`
            : 'any account of the connection',
        ],
        [
          'Warn before expiry',
          policy.warnBeforeExpiryMinutes ? formatMinutes(policy.warnBeforeExpiryMinutes) : 'no warning',
        ],
        ['Last changed', formatDateTime(policy.updatedAt)],
      ]}
    />
  );
}

/** `/admin/directory/groups/{id}/policy`: who may request the group, who approves, for how long. */
export function PolicyPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const admin = canAdminister(me.data?.roles ?? []);
  const group = useGroup(id);
  const policy = usePolicy(id);
  const principals = usePrincipals();
  const connectionGroups = useGroups({ q: '', connectionId: group.data?.connectionId ?? '' }, 500);
  const people = (principals.data?.items ?? []).map((p) => ({ value: p.id, label: principalLabel(p) }));
  // Eligible groups come from the group's own connection (the server refuses others).
  const groups = (group.data ? (connectionGroups.data?.pages.flatMap((p) => p.items) ?? []) : [])
    .filter((g) => g.connectionId === group.data?.connectionId && !g.removedAt)
    .map((g) => ({ value: g.id, label: g.name }));
  return (
    <QueryBlock query={group} loading="Loading the group…">
      {(g) => (
        <Stack>
          <Group gap="sm" align="center">
            <Title order={1}>Access policy: {g.name}</Title>
            {policy.data && (
              <Badge variant="light" color={policy.data.requestable ? 'green' : 'gray'}>
                {policy.data.requestable ? 'requestable' : 'not requestable'}
              </Badge>
            )}
          </Group>
          <Text size="sm">
            <Anchor component={Link} to={`/admin/directory/groups/${g.id}`}>
              Back to the group
            </Anchor>
            {g.membershipMethod === 'DYNAMIC_AUTOMATED' &&
              ' · JumpCloud sets this group’s members by rule: it cannot be made requestable.'}
          </Text>
          {principals.isError && (
            <ErrorAlert error={principals.error} onRetry={() => void principals.refetch()} />
          )}
          <QueryBlock query={policy} loading="Loading the policy…">
            {(p) =>
              admin ? (
                <PolicyForm key={p.groupId} policy={p} people={people} groups={groups} />
              ) : (
                <PolicyFacts
                  policy={p}
                  labels={new Map(people.map((o) => [o.value, o.label]))}
                  groupNames={new Map(groups.map((o) => [o.value, o.label]))}
                />
              )
            }
          </QueryBlock>
        </Stack>
      )}
    </QueryBlock>
  );
}
