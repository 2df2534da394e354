import { Container, Title } from '@mantine/core';
import { Outlet } from 'react-router';

export function PublicLayout() {
  return (
    <Container size="sm" py="xl">
      <header>
        <Title order={2} size="h4" mb="lg">
          jumpgate
        </Title>
      </header>
      <main>
        <Outlet />
      </main>
    </Container>
  );
}
