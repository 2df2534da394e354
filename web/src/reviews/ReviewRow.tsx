import { Badge, Button, Checkbox, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReviewItem } from '../api/types';
import { lastSignInText } from '../lib/activity';
import { useNow } from '../lib/useNow';
import { formatDate } from '../lib/format';
import { groupLabel } from './filters';

// What a revoke of an administrator account means before the close writes the account's own note.
const MANUAL_ADMIN_INSTRUCTION =
  'Revoking does not change JumpCloud: after the close, someone removes this administrator or lowers its role in the JumpCloud Admin Portal (Settings > Administrators).';

const RECOMMENDATION_COLOR = { keep: 'green', revoke: 'red', review: 'yellow' } as const;
const DECIDED = {
  keep: { color: 'green', label: 'kept' },
  revoke: { color: 'red', label: 'revoked' },
  convert_to_jit: { color: 'violet', label: 'converted to JIT' },
} as const;

/**
 * What Directory Insights saw of the member: the last sign-in of any kind, then one per application the
 * group grants. Each its own piece of text, so a phone wraps between them, never inside one.
 */
function ActivityLine({ item }: { item: ReviewItem }) {
  // A minute is the finest unit these times show.
  const now = useNow(60_000);
  const apps = item.group?.applications ?? [];
  return (
    <Group gap={6} wrap="wrap" data-testid="review-activity">
      <Text size="sm" data-testid="review-last-sign-in">
        <Text span c="dimmed" size="sm">
          Last sign-in:
        </Text>{' '}
        {lastSignInText(item.account.lastSignInAt, now)}
      </Text>
      {apps.map((app) => (
        <Text size="sm" key={app.id} data-testid="review-app-sign-in">
          <Text span c="dimmed" size="sm">
            · {app.name}:
          </Text>{' '}
          {lastSignInText(app.lastSignInAt, now)}
        </Text>
      ))}
    </Group>
  );
}

/** The membership's certification as a reviewer reads it: in force until, expired on, or none. */
function certification(until: string | null): string {
  if (!until) return ' · not certified';
  return new Date(until).getTime() > Date.now()
    ? ` · certified until ${formatDate(until)}`
    : ` · certification expired ${formatDate(until)}`;
}

export function ReviewRow({
  item,
  active,
  selected,
  campaignName,
  onSelect,
  onFocus,
  onReassign,
  onConvert,
}: {
  item: ReviewItem;
  active: boolean;
  selected: boolean;
  campaignName: string | undefined;
  onSelect: () => void;
  onFocus: () => void;
  onReassign: () => void;
  /** Decide convert_to_jit for this item (asks for the justification first). */
  onConvert: () => void;
}) {
  const a = item.account;
  const name = a.displayName ?? a.email ?? a.id;
  return (
    <Paper
      withBorder
      p="sm"
      radius="sm"
      data-testid="review-row"
      data-item-id={item.id}
      data-active={active || undefined}
      aria-current={active ? 'true' : undefined}
      onClick={onFocus}
      bg={active ? 'var(--mantine-color-default-hover)' : undefined}
      style={
        active ? { outline: '2px solid var(--mantine-color-blue-filled)', outlineOffset: -2 } : undefined
      }
    >
      <Group align="flex-start" wrap="nowrap" gap="sm">
        <Checkbox
          mt={4}
          checked={selected}
          onChange={onSelect}
          aria-label={`Select ${name} in ${groupLabel(item)}`}
          tabIndex={-1}
        />
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs" wrap="wrap">
            <Text fw={600}>{name}</Text>
            {a.email && a.email !== name && (
              <Text size="sm" c="dimmed">
                {a.email}
              </Text>
            )}
            {a.state !== 'ACTIVATED' && (
              <Badge color="orange" variant="light">
                {a.state.toLowerCase()}
              </Badge>
            )}
            {a.isAdministrator && (
              <Badge color="grape" variant="light">
                JumpCloud administrator
              </Badge>
            )}
            {a.mfaConfigured === false && (
              <Badge color="red" variant="light" data-testid="no-mfa">
                no MFA
              </Badge>
            )}
            {a.mfaConfigured === true && (
              <Badge color="gray" variant="light">
                MFA
              </Badge>
            )}
          </Group>
          <Text size="sm">
            {[a.jobTitle, a.department].filter(Boolean).join(', ') || 'No title or department'}
            {a.manager ? ` · manager ${a.manager.displayName ?? a.manager.id}` : ' · no manager'}
          </Text>
          {item.group ? (
            <Text size="sm">
              <strong>{item.group.name}</strong>
              {item.group.applications.length > 0
                ? ` → ${item.group.applications.map((x) => x.name).join(', ')}`
                : ' (grants no application)'}
            </Text>
          ) : (
            // An administrators-scope item: the account itself, with its JumpCloud roles.
            <Stack gap={2}>
              <Text size="sm">
                <strong>JumpCloud administrator account</strong>
                {` · roles: ${a.adminRoles.join(', ') || 'none'}`}
              </Text>
              <Text size="sm" c="dimmed" data-testid="manual-instruction">
                {item.remediationNote ?? MANUAL_ADMIN_INSTRUCTION}
              </Text>
            </Stack>
          )}
          <ActivityLine item={item} />
          <Text size="sm" c="dimmed">
            Member since {formatDate(item.membershipSince)} ·{' '}
            {item.grantId ? 'through a jumpgate grant' : 'standing'}
            {certification(item.certifiedUntil)}
            {campaignName ? ` · ${campaignName}` : ''}
          </Text>
          {item.recommendation && (
            <Group gap="xs" wrap="nowrap">
              {/* The reason takes the room left: a long one (several applications) wraps, the badge stays whole. */}
              <Badge
                color={RECOMMENDATION_COLOR[item.recommendation.value]}
                variant="light"
                style={{ flexShrink: 0 }}
              >
                suggests {item.recommendation.value}
              </Badge>
              <Text size="sm">{item.recommendation.reason}</Text>
            </Group>
          )}
        </Stack>
        {item.decision && (
          <Badge color={DECIDED[item.decision].color} variant="filled">
            {DECIDED[item.decision].label}
          </Badge>
        )}
        {/* An administrator account (no group) cannot become just-in-time group access. */}
        {item.status === 'pending' && item.group && (
          <Button
            size="xs"
            variant="light"
            color="violet"
            onClick={onConvert}
            aria-label={`Convert to JIT ${name} in ${item.group.name}`}
          >
            Convert to JIT
          </Button>
        )}
        {item.status === 'pending' && (
          <Button
            size="xs"
            variant="subtle"
            onClick={onReassign}
            aria-label={`Reassign ${name} in ${groupLabel(item)}`}
          >
            Reassign
          </Button>
        )}
      </Group>
    </Paper>
  );
}
