import { Alert, Button, Checkbox, Group, NumberInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../api/errors';
import type { AccessRequest, CatalogEntry } from '../api/types';
import { AppModal } from '../components/AppModal';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatMinutes } from '../lib/format';
import { useNow } from '../lib/useNow';
import { explainRequestError, requestProblems, startProblem, startsAtIso } from './access-logic';
import { useRequestAccess } from './useAccess';

/** Request (or, with an active grant, extend) membership of one catalog group. */
export function RequestModal({
  entry,
  extend,
  onClose,
}: {
  entry: CatalogEntry;
  extend: boolean;
  /** The request made, or null when the person closed the form. */
  onClose: (sent: AccessRequest | null) => void;
}) {
  const [duration, setDuration] = useState<number | null>(entry.defaultDurationMinutes);
  const [justification, setJustification] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [breakGlass, setBreakGlass] = useState(false);
  const bgMax = extend ? null : entry.breakGlassMaxDurationMinutes;
  // Break-glass: granted at once, within its own maximum, always with a justification.
  const terms =
    breakGlass && bgMax !== null
      ? { ...entry, maxDurationMinutes: bgMax, requireJustification: true }
      : entry;
  const [tried, setTried] = useState(false);
  const request = useRequestAccess();
  const now = useNow(60_000);
  const startIssue = breakGlass ? null : startProblem(startsAt, now);
  const problems = requestProblems(terms, duration, justification);
  const err = request.error;
  const refusal = err instanceof ApiError ? explainRequestError(err.code, err.message) : null;
  const submit = async () => {
    setTried(true);
    if (problems.length > 0 || startIssue || duration === null) return;
    try {
      const made = await request.mutateAsync({
        groupId: entry.group.id,
        durationMinutes: duration,
        ...(justification.trim() ? { justification: justification.trim() } : {}),
        ...(!breakGlass && startsAtIso(startsAt) ? { startsAt: startsAtIso(startsAt) ?? undefined } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      });
      onClose(made);
    } catch {
      // request.error shows it.
    }
  };
  return (
    <AppModal
      opened
      onClose={() => onClose(null)}
      title={`${extend ? 'Extend' : 'Request'} ${entry.group.name}`}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack>
          <Text size="sm">
            {entry.group.applications.length > 0
              ? `Gives you ${entry.group.applications.map((a) => a.name).join(', ')}.`
              : 'This group grants no application.'}{' '}
            The policy allows up to {formatMinutes(entry.maxDurationMinutes)}.
          </Text>
          <NumberInput
            label="Duration in minutes"
            description={`1 to ${terms.maxDurationMinutes}`}
            min={1}
            max={terms.maxDurationMinutes}
            allowDecimal={false}
            // Out-of-policy values stay as typed so the form can say what is wrong, rather than change them.
            clampBehavior="none"
            value={duration ?? ''}
            onChange={(v) => setDuration(typeof v === 'number' ? v : null)}
            data-autofocus
          />
          <Textarea
            label="Justification"
            description={terms.requireJustification ? 'Required' : 'Optional'}
            withAsterisk={terms.requireJustification}
            value={justification}
            onChange={(e) => setJustification(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          {bgMax !== null && (
            <Checkbox
              label="Break-glass: granted at once, for an emergency"
              description={`Up to ${formatMinutes(bgMax)}, without approval. Once a day at most.`}
              checked={breakGlass}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setBreakGlass(on);
                // The policy's default may exceed break-glass's own maximum: start within it.
                if (on && duration !== null && duration > bgMax) setDuration(bgMax);
                request.reset();
              }}
            />
          )}
          {breakGlass && (
            <Alert
              color="red"
              variant="filled"
              title="Everyone is told, at once"
              data-testid="break-glass-warning"
            >
              Every owner and approver of this group and every jumpgate admin is notified now, on every
              channel, whatever their settings. The group&apos;s owner reviews this use afterwards. Use it
              only for an emergency, and say why below.
            </Alert>
          )}
          {!extend && !breakGlass && (
            <TextInput
              type="datetime-local"
              label="Start later"
              description="Optional, up to 30 days ahead; approvals and eligibility are checked again then"
              value={startsAt}
              onChange={(e) => {
                setStartsAt(e.currentTarget.value);
                request.reset();
              }}
              error={
                (tried ? startIssue : null) ??
                (refusal?.field === 'startsAt' ? `${refusal.title}: ${refusal.text}` : undefined)
              }
            />
          )}
          {tried && problems.length > 0 && (
            <Text c="var(--mantine-color-error)" size="sm" role="alert">
              {problems.join(' ')}
            </Text>
          )}
          {refusal && refusal.field === null && (
            <Alert color="red" title={refusal.title} role="alert" data-testid="request-refusal">
              {refusal.text}
            </Alert>
          )}
          {request.isError && !refusal && <ErrorAlert error={request.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose(null)}>
              Cancel
            </Button>
            <Button type="submit" loading={request.isPending}>
              {extend ? 'Ask for more time' : breakGlass ? 'Use break-glass' : 'Send request'}
            </Button>
          </Group>
        </Stack>
      </form>
    </AppModal>
  );
}
