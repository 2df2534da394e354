import {
  Alert,
  Button,
  Group,
  List,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import grid from '../campaigns/Grid.module.css';
import {
  type ConnectionForm,
  connectionProblems,
  EMPTY_CONNECTION,
  toConnectionBody,
} from './connection-logic';

/** Create a connection: its credentials are tried first (`POST /connections/test`), and saved only once they pass. */
export function ConnectionCreateForm() {
  const [form, setForm] = useState<ConnectionForm>(EMPTY_CONNECTION);
  const [tested, setTested] = useState<string | null>(null);
  const set = (patch: Partial<ConnectionForm>) => setForm((f) => ({ ...f, ...patch }));
  const navigate = useNavigate();
  const client = useQueryClient();
  const problems = connectionProblems(form);
  const body = toConnectionBody(form);
  const current = JSON.stringify(body);
  const test = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/connections/test', { body })),
    onSuccess: () => setTested(current),
  });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/connections', { body })),
    onSuccess: async (c) => {
      await client.invalidateQueries({ queryKey: ['connections'] });
      void navigate(`/admin/connections/${c.id}`);
    },
  });
  const result = tested === current ? test.data : undefined;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-connection">
      <Stack>
        <Title order={2} id="new-connection" size="h3">
          New connection
        </Title>
        <div className={grid.grid}>
          <TextInput
            label="Name"
            required
            value={form.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
          />
          <TextInput
            label="Organisation id"
            required
            value={form.orgId}
            onChange={(e) => set({ orgId: e.currentTarget.value })}
          />
        </div>
        <SegmentedControl
          aria-label="Credential"
          w="fit-content"
          value={form.credentialType}
          onChange={(v) => set({ credentialType: v })}
          data={[
            { value: 'service_account', label: 'Service account' },
            { value: 'api_key', label: 'API key' },
          ]}
        />
        {form.credentialType === 'service_account' ? (
          <div className={grid.grid}>
            <TextInput
              label="Client id"
              required
              value={form.clientId}
              onChange={(e) => set({ clientId: e.currentTarget.value })}
            />
            <PasswordInput
              label="Client secret"
              required
              value={form.clientSecret}
              onChange={(e) => set({ clientSecret: e.currentTarget.value })}
            />
          </div>
        ) : (
          <PasswordInput
            label="API key"
            required
            value={form.apiKey}
            onChange={(e) => set({ apiKey: e.currentTarget.value })}
          />
        )}
        {problems.length > 0 && (
          <List size="sm" data-testid="connection-problems">
            {problems.map((p) => (
              <List.Item key={p}>{p}</List.Item>
            ))}
          </List>
        )}
        {test.isError && <ErrorAlert error={test.error} />}
        {create.isError && <ErrorAlert error={create.error} />}
        {result &&
          (result.ok ? (
            <Alert color="green" title="The credentials work" data-testid="connection-test">
              They reach the organisation {result.organization.name} ({result.organization.id}).
            </Alert>
          ) : (
            <Alert
              color="red"
              title={`The test failed: ${result.code}`}
              role="alert"
              data-testid="connection-test"
            >
              {result.error}
            </Alert>
          ))}
        <Group>
          <Button
            variant="light"
            disabled={problems.length > 0}
            loading={test.isPending}
            onClick={() => test.mutate()}
          >
            Test connection
          </Button>
          <Button
            disabled={!result?.ok || problems.length > 0}
            loading={create.isPending}
            onClick={() => create.mutate()}
          >
            Save connection
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
