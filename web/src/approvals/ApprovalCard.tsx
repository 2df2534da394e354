import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api/errors';
import type { AccessRequest } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { canActNow, explainDecisionError, stepSummary, waitingFor } from '../access/access-logic';
import { formatDateTime, formatMinutes } from '../lib/format';
import { useMe } from '../shell/useMe';
import { useAccount, useDecideRequest, useGroup } from './useApprovals';

/** One request waiting for me: who, which group and what it grants, how long, why, what they already have. */
export function ApprovalCard({ request }: { request: AccessRequest }) {
  const account = useAccount(request.accountId);
  const group = useGroup(request.groupId);
  const decide = useDecideRequest();
  const me = useMe();
  // An approver of a later step sees the request greyed; acting anyway gets the server's not_this_step,
  // explained below, and changes nothing.
  const myTurn = canActNow(request, me.data?.id);
  const waiting = waitingFor(request, me.data?.id);
  const step = stepSummary(request);
  const asManager = myTurn && request.approvalSteps[request.currentStep]?.kind === 'manager';
  const refused = decide.error instanceof ApiError ? explainDecisionError(decide.error.code, request) : null;
  const [comment, setComment] = useState('');
  const [denyTried, setDenyTried] = useState(false);
  const who = account.data ? (account.data.displayName ?? account.data.email ?? account.data.id) : '…';
  const groupName = group.data?.name ?? '…';
  return (
    <Paper
      withBorder
      p="md"
      data-testid="approval"
      data-waiting={waiting ? 'true' : undefined}
      component="article"
      aria-label={`${who} asks for ${groupName}`}
      // Greyed, not faded: the text keeps its contrast.
      bg={waiting ? 'var(--mantine-color-gray-1)' : undefined}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {who} asks for {groupName}
          </Text>
          <Group gap="xs">
            {waiting && (
              <Badge color="gray" variant="light" data-testid="waiting-for-step">
                {waiting}
              </Badge>
            )}
            <Anchor component={Link} to={`/requests/${request.id}`} size="sm">
              {formatDateTime(request.createdAt)}
            </Anchor>
          </Group>
        </Group>
        {account.isError && <ErrorAlert error={account.error} />}
        {account.data && (
          <Text size="sm">
            {[account.data.email, account.data.jobTitle, account.data.department].filter(Boolean).join(' · ')}
          </Text>
        )}
        <Text size="sm">
          Grants{' '}
          {group.data?.applications.length
            ? group.data.applications.map((a) => a.name).join(', ')
            : 'no application'}{' '}
          · for {formatMinutes(request.durationMinutes)}
        </Text>
        <Text size="sm">
          <strong>Why: </strong>
          {request.justification ?? 'no justification given'}
        </Text>
        {step && (
          <Text size="sm" data-testid="approval-step">
            {step}
            {asManager ? ' · you are asked as their manager' : ''}
            {myTurn
              ? ''
              : ` · not your step yet: ${
                  request.eligibleApprovers.map((e) => e.displayName ?? e.id).join(', ') || 'nobody'
                } can act now`}
          </Text>
        )}
        {account.data && (
          <Group gap={4}>
            <Text size="sm">Already in:</Text>
            {account.data.groups.length === 0 ? (
              <Text size="sm">no group</Text>
            ) : (
              account.data.groups.map((g) => (
                <Badge key={g.groupId} variant="light" color="gray">
                  {g.name}
                </Badge>
              ))
            )}
          </Group>
        )}
        <Textarea
          label="Comment"
          description="Optional to approve, required to deny"
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={denyTried && !comment.trim() ? 'Say why you deny it.' : undefined}
          autosize
          minRows={1}
        />
        {refused ? (
          <Alert color="gray" title={refused.title} role="alert" data-testid="not-this-step">
            {refused.text}
          </Alert>
        ) : (
          decide.isError && <ErrorAlert error={decide.error} />
        )}
        <Group>
          <Button
            color="green"
            variant={myTurn ? 'filled' : 'default'}
            loading={decide.isPending}
            onClick={() => decide.mutate({ id: request.id, approve: true, comment: comment.trim() })}
          >
            Approve
          </Button>
          <Button
            color="red"
            variant={myTurn ? 'light' : 'default'}
            loading={decide.isPending}
            onClick={() => {
              setDenyTried(true);
              if (comment.trim()) decide.mutate({ id: request.id, approve: false, comment: comment.trim() });
            }}
          >
            Deny
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
