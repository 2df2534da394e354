import { Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { AccessRequest } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { canActNow, stepSummary } from '../access/access-logic';
import { formatDateTime, formatMinutes } from '../lib/format';
import { useMe } from '../shell/useMe';
import { useAccount, useDecideRequest, useGroup } from './useApprovals';

/** One request waiting for me: who, which group and what it grants, how long, why, what they already have. */
export function ApprovalCard({ request }: { request: AccessRequest }) {
  const account = useAccount(request.accountId);
  const group = useGroup(request.groupId);
  const decide = useDecideRequest();
  const me = useMe();
  // An approver of a later step sees the request but cannot act yet (the server says not_this_step).
  const myTurn = canActNow(request, me.data?.id);
  const step = stepSummary(request);
  const [comment, setComment] = useState('');
  const [denyTried, setDenyTried] = useState(false);
  const who = account.data ? (account.data.displayName ?? account.data.email ?? account.data.id) : '…';
  const groupName = group.data?.name ?? '…';
  return (
    <Paper
      withBorder
      p="md"
      data-testid="approval"
      component="article"
      aria-label={`${who} asks for ${groupName}`}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600}>
            {who} asks for {groupName}
          </Text>
          <Text size="sm">{formatDateTime(request.createdAt)}</Text>
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
        {decide.isError && <ErrorAlert error={decide.error} />}
        <Group>
          <Button
            color="green"
            disabled={!myTurn}
            loading={decide.isPending}
            onClick={() => decide.mutate({ id: request.id, approve: true, comment: comment.trim() })}
          >
            Approve
          </Button>
          <Button
            color="red"
            variant="light"
            disabled={!myTurn}
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
