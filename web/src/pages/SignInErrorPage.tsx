import { Alert, Anchor, Code, Stack, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { signinError } from './signin-errors';

export function SignInErrorPage() {
  const [params] = useSearchParams();
  const code = params.get('code');
  const e = signinError(code);
  return (
    <Stack maw={640}>
      <Title order={1}>{e.title}</Title>
      <Alert color="red" title="Why">
        {e.explain}
      </Alert>
      <Text>
        <strong>What to do: </strong>
        {e.action}
      </Text>
      {code && (
        <Text size="sm" c="dimmed">
          Code for your administrator: <Code>{code}</Code>
        </Text>
      )}
      <Anchor href="/auth/login?returnTo=%2F">Sign in again</Anchor>
    </Stack>
  );
}
