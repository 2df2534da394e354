import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  FileInput,
  Group,
  List,
  Paper,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import {
  type Checkpoint,
  describeCheckpointVerify,
  describeVerify,
  parseCheckpoints,
  type VerifyResult,
} from './audit-logic';
import classes from './Audit.module.css';

/** The verify answer: the chain holds, or the first event that does not. */
function VerifyResultView({ result }: { result: VerifyResult }) {
  const view = describeVerify(result);
  return (
    <Alert
      color={view.ok ? 'green' : 'red'}
      title={view.title}
      role={view.ok ? 'status' : 'alert'}
      data-testid="verify-result"
    >
      {view.detail}
    </Alert>
  );
}

/** A signed checkpoint of the head, to keep outside jumpgate, with a download of it. */
function CheckpointView({ checkpoint }: { checkpoint: Checkpoint }) {
  const json = JSON.stringify(checkpoint, null, 2);
  const href = useMemo(() => URL.createObjectURL(new Blob([json], { type: 'application/json' })), [json]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <Stack gap="xs" data-testid="checkpoint">
      <Text size="sm">
        Event {checkpoint.seq} of {checkpoint.count}, signed with key {checkpoint.keyId}. Keep it outside
        jumpgate.
      </Text>
      <Anchor href={href} download={`jumpgate-checkpoint-${checkpoint.seq}.json`} w="fit-content">
        Download the checkpoint
      </Anchor>
      <Code block className={classes.wrap}>
        {json}
      </Code>
    </Stack>
  );
}

/** Every key checkpoints and evidence were ever signed with, so an auditor verifies them offline. */
function KeysPanel() {
  const keys = useQuery({
    queryKey: ['audit-public-keys'],
    queryFn: () => unwrap(api.GET('/api/v1/audit-events/public-keys')),
  });
  if (keys.isPending) return <Loading label="Loading the signing keys…" />;
  if (keys.isError) return <ErrorAlert error={keys.error} onRetry={() => void keys.refetch()} />;
  return (
    <Stack gap="sm">
      {keys.data.items.map((k) => (
        <Stack key={k.keyId} gap={4} data-testid="public-key">
          <Group gap="xs">
            <Text size="sm" fw={600}>
              Key {k.keyId}
            </Text>
            {k.current && (
              <Badge variant="light" color="green">
                current
              </Badge>
            )}
          </Group>
          <Code block className={classes.wrap}>
            {k.publicKeyPem}
          </Code>
        </Stack>
      ))}
    </Stack>
  );
}

/**
 * The auditor's check: the chain against checkpoints kept outside jumpgate (pasted or chosen as files),
 * which reveals a cut-off or rewritten history that a plain verify cannot see.
 */
function CheckpointVerifyPanel() {
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [inputError, setInputError] = useState<string | null>(null);
  const check = useMutation({
    mutationFn: (checkpoints: Checkpoint[]) =>
      unwrap(api.POST('/api/v1/audit-events/verify', { body: { checkpoints } })),
  });
  const submit = async () => {
    const parsed = parseCheckpoints([text, ...(await Promise.all(files.map((f) => f.text())))]);
    if ('error' in parsed) {
      setInputError(parsed.error);
      return;
    }
    setInputError(null);
    check.mutate(parsed.checkpoints);
  };
  const view = check.data && describeCheckpointVerify(check.data);
  return (
    <Stack gap="sm">
      <FileInput
        label="Checkpoint files"
        description="The checkpoint files you downloaded and kept (JSON)"
        multiple
        accept="application/json,.json"
        value={files}
        onChange={setFiles}
        clearable
      />
      <Textarea
        label="Or paste checkpoints"
        description="One checkpoint as downloaded, or an array of them"
        autosize
        minRows={3}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        error={inputError}
      />
      <Button w="fit-content" variant="light" onClick={() => void submit()} loading={check.isPending}>
        Verify against these checkpoints
      </Button>
      {check.isError && <ErrorAlert error={check.error} />}
      {view && (
        <Alert
          color={view.ok ? 'green' : 'red'}
          title={view.title}
          role={view.ok ? 'status' : 'alert'}
          data-testid="checkpoint-verify-result"
        >
          <List size="sm">
            {view.lines.map((l) => (
              <List.Item key={l}>{l}</List.Item>
            ))}
          </List>
        </Alert>
      )}
    </Stack>
  );
}

/** Verify, checkpoint and the public keys: read-only, so admins and auditors see the same panel. */
export function IntegrityPanel() {
  const verify = useMutation({ mutationFn: () => unwrap(api.GET('/api/v1/audit-events/verify')) });
  const checkpoint = useMutation({ mutationFn: () => unwrap(api.GET('/api/v1/audit-events/checkpoint')) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="integrity-title">
      <Stack>
        <Title order={2} size="h3" id="integrity-title">
          Integrity
        </Title>
        <Text size="sm">
          Verify recomputes every event&apos;s hash and link (on a large log it takes a while); a checkpoint
          kept outside jumpgate later reveals a cut-off tail.
        </Text>
        <Group>
          <Button onClick={() => verify.mutate()} loading={verify.isPending}>
            Verify the chain
          </Button>
          <Button variant="light" onClick={() => checkpoint.mutate()} loading={checkpoint.isPending}>
            Take a checkpoint
          </Button>
        </Group>
        {verify.isError && <ErrorAlert error={verify.error} />}
        {verify.data && <VerifyResultView result={verify.data} />}
        {checkpoint.isError && <ErrorAlert error={checkpoint.error} />}
        {checkpoint.data && <CheckpointView checkpoint={checkpoint.data} />}
        <details className={classes.details}>
          <summary>Verify against checkpoints kept outside jumpgate</summary>
          <CheckpointVerifyPanel />
        </details>
        <details className={classes.details}>
          <summary>Checkpoint public keys (Ed25519)</summary>
          <KeysPanel />
        </details>
      </Stack>
    </Paper>
  );
}
