import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { AppModal } from '../components/AppModal';

const WORDING = {
  revoke: {
    title: 'Revoke',
    heading: (n: string) => `Revoke ${n}`,
    body: 'Revoked memberships are removed from JumpCloud when the campaign closes (or listed for manual removal). One justification covers them all.',
  },
  convert_to_jit: {
    title: 'Convert to just-in-time',
    heading: (n: string) => `Convert ${n} to just-in-time`,
    body: 'The standing memberships are removed when the campaign closes, and each person may then request the group just in time. The group must be requestable. One justification covers them all.',
  },
} as const;

/** The one justification a revoke or a conversion to just-in-time needs (API.md), for one item or a selection. */
export function RevokeModal({
  count,
  decision = 'revoke',
  opened,
  onClose,
  onConfirm,
}: {
  count: number;
  decision?: 'revoke' | 'convert_to_jit';
  opened: boolean;
  onClose: () => void;
  onConfirm: (justification: string) => void;
}) {
  const words = WORDING[decision];
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
      title={words.heading(`${count} ${count === 1 ? 'membership' : 'memberships'}`)}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack>
          <Text size="sm">{words.body}</Text>
          <Textarea
            label="Justification"
            description="Required; Ctrl+Enter sends"
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
            <Button type="submit" color={decision === 'revoke' ? 'red' : 'violet'} disabled={!ok}>
              {words.title} {count}
            </Button>
          </Group>
        </Stack>
      </form>
    </AppModal>
  );
}
