import { Button, Group, Text } from '@mantine/core';

/** "n shown" and, while the server has more, a button for the next page. */
export function LoadMore({
  shown,
  hasMore,
  loading,
  onMore,
  testId,
}: {
  shown: number;
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  testId?: string;
}) {
  return (
    <Group data-testid={testId}>
      <Text size="sm" c="dimmed">
        {shown} shown{hasMore ? '' : ', no more'}
      </Text>
      {hasMore && (
        <Button size="xs" variant="default" loading={loading} onClick={onMore}>
          Load more
        </Button>
      )}
    </Group>
  );
}
