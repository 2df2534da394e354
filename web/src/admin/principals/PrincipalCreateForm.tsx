import { Button, Checkbox, Group, Paper, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { Role } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';

type Kind = 'person' | 'service';

/** An admin adds a principal: a person (linked to directory accounts by email) or a service (tokens only). */
export function PrincipalCreateForm({ onCancel }: { onCancel: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [kind, setKind] = useState<Kind>('service');
  const [roles, setRoles] = useState<Role[]>([]);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/principals', {
          body: { email: email.trim(), displayName: displayName.trim() || undefined, kind, roles },
        }),
      ),
    onSuccess: async (p) => {
      await client.invalidateQueries({ queryKey: ['principals'] });
      void navigate(`/admin/principals/${p.id}`);
    },
  });
  const toggle = (r: Role, on: boolean) => setRoles((rs) => (on ? [...rs, r] : rs.filter((x) => x !== r)));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="new-principal">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <Title order={2} id="new-principal" size="h3">
            New principal
          </Title>
          <TextInput label="Email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput
            label="Display name"
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <Select
            label="Kind"
            description="A person signs in and is linked to directory accounts by email; a service uses tokens only."
            data={[
              { value: 'service', label: 'Service (tokens only)' },
              { value: 'person', label: 'Person' },
            ]}
            value={kind}
            allowDeselect={false}
            onChange={(v) => setKind(v === 'person' ? 'person' : 'service')}
          />
          <Group>
            <Checkbox
              label="admin"
              checked={roles.includes('admin')}
              onChange={(e) => toggle('admin', e.currentTarget.checked)}
            />
            <Checkbox
              label="auditor"
              checked={roles.includes('auditor')}
              onChange={(e) => toggle('auditor', e.currentTarget.checked)}
            />
          </Group>
          {create.isError && <ErrorAlert error={create.error} />}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create principal
            </Button>
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
