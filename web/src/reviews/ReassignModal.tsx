import { Button, Group, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { ReviewItem } from '../api/types';
import { principalLabel, usePrincipals } from '../admin/principals/usePrincipals';
import { AppModal } from '../components/AppModal';
import { ErrorAlert } from '../components/ErrorAlert';
import { canSeeAdmin } from '../shell/roles';
import { useMe } from '../shell/useMe';
import { useReassign } from './useReviews';
import { groupLabel } from './filters';

/**
 * Whom to hand the item to. Admins and auditors pick from the principals they may list; anyone else
 * gives the colleague's jumpgate id, since the API lets only them list principals.
 */
function ReviewerPicker({
  item,
  value,
  onChange,
}: {
  item: ReviewItem;
  value: string;
  onChange: (id: string) => void;
}) {
  const me = useMe();
  const canList = canSeeAdmin(me.data?.roles ?? []);
  const principals = usePrincipals(canList);
  if (!canList) {
    return (
      <TextInput
        label="New reviewer's jumpgate id"
        description="Only administrators and auditors can list principals: ask your colleague or an administrator for the id."
        required
        value={value}
        onChange={(e) => onChange(e.currentTarget.value.trim())}
      />
    );
  }
  const options = (principals.data?.items ?? [])
    .filter((p) => !p.disabled && p.id !== item.reviewerId)
    .map((p) => ({ value: p.id, label: principalLabel(p) }));
  return (
    <>
      {principals.isError && <ErrorAlert error={principals.error} />}
      <Select
        label="New reviewer"
        required
        searchable
        data={options}
        value={value || null}
        onChange={(v) => onChange(v ?? '')}
      />
    </>
  );
}

/** Hands one review item to another reviewer, with a reason (API.md: the assigned reviewer or an admin). */
export function ReassignModal({
  item,
  onClose,
  onDone,
}: {
  item: ReviewItem | null;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [reviewerId, setReviewerId] = useState('');
  const [reason, setReason] = useState('');
  const reassign = useReassign();
  const close = () => {
    setReviewerId('');
    setReason('');
    reassign.reset();
    onClose();
  };
  const name = item ? (item.account.displayName ?? item.account.email ?? item.account.id) : '';
  const ok = reviewerId !== '' && reason.trim() !== '';
  return (
    <AppModal opened={item !== null} onClose={close} title={`Reassign ${name}`}>
      {item && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!ok) return;
            reassign.mutate(
              { itemId: item.id, reviewerId, reason: reason.trim() },
              {
                onSuccess: () => {
                  close();
                  onDone(`Handed ${name} in ${groupLabel(item)} to another reviewer.`);
                },
              },
            );
          }}
        >
          <Stack>
            <Text size="sm">
              {name} in <strong>{groupLabel(item)}</strong> leaves your list and goes to the reviewer you
              choose; the reason is kept in the audit log.
            </Text>
            <ReviewerPicker
              item={item}
              value={reviewerId}
              onChange={(v) => {
                setReviewerId(v);
                reassign.reset();
              }}
            />
            <Textarea
              label="Reason"
              required
              autosize
              minRows={2}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            {reassign.isError && <ErrorAlert error={reassign.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" disabled={!ok} loading={reassign.isPending}>
                Reassign
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </AppModal>
  );
}
