import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <Stack>
      <Title order={1}>No page here</Title>
      <Text>This address is not a page of jumpgate; the link may be old.</Text>
      <Anchor component={Link} to="/reviews">
        Go to my reviews
      </Anchor>
    </Stack>
  );
}
