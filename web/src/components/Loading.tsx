import { Group, Loader, Text } from '@mantine/core';

export function Loading({ label }: { label: string }) {
  return (
    <Group role="status" aria-live="polite" gap="sm" p="md">
      <Loader size="sm" aria-hidden />
      <Text>{label}</Text>
    </Group>
  );
}
