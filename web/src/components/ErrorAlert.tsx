import { Alert, Button, Stack, Text } from '@mantine/core';
import { describeError } from '../api/errors';

/** A failure as the person should read it: what happened and what to do, with a retry where it helps. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const view = describeError(error);
  return (
    <Alert color="red" title={view.title} role="alert">
      <Stack gap="xs">
        <Text size="sm">{view.detail}</Text>
        <Text size="sm">{view.action}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry} w="fit-content">
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
