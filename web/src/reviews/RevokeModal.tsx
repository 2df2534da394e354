import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { AppModal } from '../components/AppModal';

/** The one justification a revoke needs (API.md), for one item or a whole selection. */
export function RevokeModal({
  count,
  opened,
  onClose,
  onConfirm,
}: {
  count: number;
  opened: boolean;
  onClose: () => void;
  onConfirm: (justification: string) => void;
}) {
  const [text, setText] = useState('');
  const ok = text.trim().length > 0;
  const submit = () => {
    if (!ok) return;
    onConfirm(text.trim());
    setText('');
  };
  return (
    <AppModal
      opened={opened}
      onClose={onClose}
      title={`Revoke ${count} ${count === 1 ? 'membership' : 'memberships'}`}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <Text size="sm">
            Revoked memberships are removed from JumpCloud when the campaign closes (or listed for manual
            removal). One justification covers them all.
          </Text>
          <Textarea
            label="Justification"
            description="Required for a revoke; Ctrl+Enter sends"
            required
            autosize
            minRows={2}
            data-autofocus
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                submit();
              }
            }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={!ok}>
              Revoke {count}
            </Button>
          </Group>
        </Stack>
      </form>
    </AppModal>
  );
}
