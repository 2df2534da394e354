import { Button, Checkbox, Group, NumberInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { CatalogEntry } from '../api/types';
import { AppModal } from '../components/AppModal';
import { ErrorAlert } from '../components/ErrorAlert';
import { formatMinutes } from '../lib/format';
import { requestProblems, startsAtIso } from './access-logic';
import { useRequestAccess } from './useAccess';

/** Request (or, with an active grant, extend) membership of one catalog group. */
export function RequestModal({
  entry,
  extend,
  onClose,
}: {
  entry: CatalogEntry;
  extend: boolean;
  onClose: (sent: boolean) => void;
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
  const problems = requestProblems(terms, duration, justification);
  const submit = async () => {
    setTried(true);
    if (problems.length > 0 || duration === null) return;
    try {
      await request.mutateAsync({
        groupId: entry.group.id,
        durationMinutes: duration,
        ...(justification.trim() ? { justification: justification.trim() } : {}),
        ...(!breakGlass && startsAtIso(startsAt) ? { startsAt: startsAtIso(startsAt) ?? undefined } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      });
      onClose(true);
    } catch {
      // request.error shows it.
    }
  };
  return (
    <AppModal
      opened
      onClose={() => onClose(false)}
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
              description={`Up to ${formatMinutes(bgMax)}; every owner, approver and admin is told at once, and the owner reviews it afterwards. Once a day at most.`}
              checked={breakGlass}
              onChange={(e) => setBreakGlass(e.currentTarget.checked)}
            />
          )}
          {!extend && !breakGlass && (
            <TextInput
              type="datetime-local"
              label="Start later"
              description="Optional, up to 30 days ahead; approvals and eligibility are checked again then"
              value={startsAt}
              onChange={(e) => setStartsAt(e.currentTarget.value)}
            />
          )}
          {tried && problems.length > 0 && (
            <Text c="red" size="sm" role="alert">
              {problems.join(' ')}
            </Text>
          )}
          {request.isError && <ErrorAlert error={request.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose(false)}>
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
