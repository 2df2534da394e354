import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Decision, ReviewItem } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { batchFor, type DecisionBatch, undoPlan } from './decisions';
import { filterOptions, filtersFromSearch, filtersToSearch, matches, type ReviewFilters } from './filters';
import { actionFor, moveCursor, targets, toggle } from './keyboard';
import { KeyboardHelp } from './KeyboardHelp';
import { ReviewFiltersBar } from './ReviewFiltersBar';
import { ReviewProgress } from './ReviewProgress';
import { ReviewRow } from './ReviewRow';
import { ReassignModal } from './ReassignModal';
import { RevokeModal } from './RevokeModal';
import { type DecisionInput, useDecide, useReviewItems, useReviewSummary } from './useReviews';

const VERBS: Record<Decision, string> = { keep: 'Kept', revoke: 'Revoked', convert_to_jit: 'Converted' };

export function ReviewsPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(params), [params]);
  const setFilters = (f: ReviewFilters) => setParams(filtersToSearch(f), { replace: true });

  const reviews = useReviewItems(filters.status);
  const summary = useReviewSummary();
  const decide = useDecide();

  const shown = useMemo(() => reviews.items.filter((i) => matches(i, filters)), [reviews.items, filters]);
  const options = useMemo(() => filterOptions(reviews.items), [reviews.items]);
  const campaignNames = useMemo(
    () => new Map((summary.data?.items ?? []).map((e) => [e.campaign.id, e.campaign.name])),
    [summary.data],
  );
  const campaignOptions = useMemo(
    () => [...campaignNames].map(([value, label]) => ({ value, label })),
    [campaignNames],
  );

  const [cursor, setCursor] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // Items waiting for the justification a revoke or a conversion needs.
  const [revoking, setRevoking] = useState<string[] | null>(null);
  const [reassigning, setReassigning] = useState<ReviewItem | null>(null);
  const [justifying, setJustifying] = useState<'revoke' | 'convert_to_jit'>('revoke');
  const [history, setHistory] = useState<DecisionBatch[]>([]);
  const [notice, setNotice] = useState<{ color: string; text: string } | null>(null);
  const [help, setHelp] = useState(true);

  const cursorItem = shown[Math.min(cursor, shown.length - 1)] ?? null;

  const listRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 150,
    overscan: 8,
    getItemKey: (i) => shown[i]?.id ?? i,
  });

  const send = useCallback(
    async (decisions: DecisionInput[], batch: DecisionBatch | null, verb: string) => {
      try {
        const result = await decide.mutateAsync(decisions);
        if (batch && result.applied > 0) setHistory((h) => [...h, batch]);
        setSelected(new Set());
        const rejected = result.rejected.map((r) => r.reason).join('; ');
        setNotice(
          result.rejected.length === 0
            ? {
                color: 'green',
                text: `${verb} ${result.applied} ${result.applied === 1 ? 'item' : 'items'}.`,
              }
            : {
                color: 'orange',
                text: `${verb} ${result.applied}; ${result.rejected.length} not accepted: ${rejected}`,
              },
        );
      } catch {
        // decide.error shows it.
      }
    },
    [decide],
  );

  const decideTargets = useCallback(
    (decision: Decision, ids: string[], justification: string | null) => {
      const items = reviews.items.filter((i) => ids.includes(i.id));
      const decisions = items.map((i) => ({
        itemId: i.id,
        decision,
        ...(justification ? { justification } : {}),
      }));
      void send(decisions, batchFor(items, decision, justification), VERBS[decision]);
    },
    [reviews.items, send],
  );

  const undo = useCallback(() => {
    const last = history.at(-1);
    if (!last) {
      setNotice({ color: 'gray', text: 'Nothing to undo.' });
      return;
    }
    setHistory((h) => h.slice(0, -1));
    const plan = undoPlan(last);
    if (plan.restore.length > 0) void send(plan.restore, null, 'Restored');
    if (plan.cannotRestore.length > 0) {
      setNotice({
        color: 'orange',
        text: `${plan.cannotRestore.length} of these were undecided before; a decision cannot be taken back to "to decide", so change it with keep or revoke until the campaign closes.`,
      });
    }
  }, [history, send]);

  const act = useCallback(
    (action: ReturnType<typeof actionFor>) => {
      switch (action) {
        case 'next':
        case 'previous': {
          const next = moveCursor(cursor, action === 'next' ? 1 : -1, shown.length);
          setCursor(next);
          if (next >= 0) virtualizer.scrollToIndex(next, { align: 'auto' });
          break;
        }
        case 'select':
          if (cursorItem) setSelected((s) => toggle(s, cursorItem.id));
          break;
        case 'selectAll':
          setSelected((s) => (s.size === shown.length ? new Set() : new Set(shown.map((i) => i.id))));
          break;
        case 'keep': {
          const ids = targets(selected, cursorItem?.id ?? null);
          if (ids.length) decideTargets('keep', ids, null);
          break;
        }
        case 'revoke': {
          const ids = targets(selected, cursorItem?.id ?? null);
          setJustifying('revoke');
          if (ids.length) setRevoking(ids);
          break;
        }
        case 'undo':
          undo();
          break;
        case 'help':
          setHelp((h) => !h);
          break;
        case null:
          break;
      }
    },
    [cursor, shown, cursorItem, selected, decideTargets, undo, virtualizer],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (revoking || reassigning) return;
      const t = e.target as HTMLElement | null;
      const action = actionFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        targetTag: t?.tagName,
        targetEditable: t?.isContentEditable,
      });
      if (!action) return;
      e.preventDefault();
      act(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act, revoking, reassigning]);

  const selectionCount = selected.size;
  const actionCount = targets(selected, cursorItem?.id ?? null).length;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>My reviews</Title>
        <Button variant="subtle" size="xs" onClick={() => setHelp((h) => !h)} aria-expanded={help}>
          Keyboard shortcuts (?)
        </Button>
      </Group>
      {help && <KeyboardHelp />}
      {summary.isError ? (
        <ErrorAlert error={summary.error} onRetry={() => void summary.refetch()} />
      ) : (
        <ReviewProgress entries={summary.data?.items ?? []} />
      )}
      <ReviewFiltersBar
        filters={filters}
        onChange={(f) => {
          setFilters(f);
          setCursor(0);
          setSelected(new Set());
        }}
        campaigns={campaignOptions}
        groups={options.groups}
        applications={options.applications}
      />
      <Paper withBorder p="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" aria-live="polite" data-testid="review-count">
            {shown.length} shown{reviews.hasNextPage ? ' (loading more…)' : ''}
            {selectionCount > 0 ? `, ${selectionCount} selected` : ''}
          </Text>
          <Group gap="xs">
            <Button
              size="xs"
              color="green"
              disabled={actionCount === 0 || decide.isPending}
              onClick={() => act('keep')}
            >
              Keep {actionCount > 1 ? actionCount : ''}
            </Button>
            <Button
              size="xs"
              color="red"
              disabled={actionCount === 0 || decide.isPending}
              onClick={() => act('revoke')}
            >
              Revoke {actionCount > 1 ? actionCount : ''}
            </Button>
            <Button
              size="xs"
              color="violet"
              variant="light"
              disabled={actionCount === 0 || decide.isPending}
              onClick={() => {
                const ids = targets(selected, cursorItem?.id ?? null);
                setJustifying('convert_to_jit');
                if (ids.length) setRevoking(ids);
              }}
            >
              Convert to JIT {actionCount > 1 ? actionCount : ''}
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={history.length === 0 || decide.isPending}
              onClick={undo}
            >
              Undo
            </Button>
          </Group>
        </Group>
      </Paper>
      {notice && (
        <Alert color={notice.color} role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice.text}
        </Alert>
      )}
      {decide.isError && <ErrorAlert error={decide.error} />}
      {reviews.isPending ? (
        <Loading label="Loading your review items…" />
      ) : reviews.isError ? (
        <ErrorAlert error={reviews.error} onRetry={() => void reviews.refetch()} />
      ) : shown.length === 0 ? (
        <Text p="md" data-testid="reviews-empty">
          {reviews.items.length === 0
            ? filters.status === 'pending'
              ? 'Nothing to review: no item is waiting for your decision.'
              : 'You have decided no item yet.'
            : 'No item matches these filters.'}
        </Text>
      ) : (
        <div
          ref={listRef}
          role="list"
          aria-label="Review items"
          tabIndex={0}
          style={{ height: 'calc(100vh - 220px)', minHeight: 320, overflowY: 'auto' }}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((row) => {
              const item = shown[row.index];
              if (!item) return null;
              return (
                <div
                  key={row.key}
                  role="listitem"
                  data-index={row.index}
                  ref={virtualizer.measureElement}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    width: '100%',
                    transform: `translateY(${row.start}px)`,
                  }}
                >
                  <div style={{ paddingBottom: 8 }}>
                    <ReviewRow
                      item={item}
                      active={row.index === cursor}
                      selected={selected.has(item.id)}
                      campaignName={campaignNames.get(item.campaignId)}
                      onSelect={() => setSelected((s) => toggle(s, item.id))}
                      onFocus={() => setCursor(row.index)}
                      onReassign={() => setReassigning(item)}
                      onConvert={() => {
                        setJustifying('convert_to_jit');
                        setRevoking([item.id]);
                      }}
                    />
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      )}
      <ReassignModal
        item={reassigning}
        onClose={() => setReassigning(null)}
        onDone={(text) => setNotice({ color: 'green', text })}
      />
      <RevokeModal
        count={revoking?.length ?? 0}
        decision={justifying}
        opened={revoking !== null}
        onClose={() => setRevoking(null)}
        onConfirm={(justification) => {
          if (revoking) decideTargets(justifying, revoking, justification);
          setRevoking(null);
        }}
      />
    </Stack>
  );
}
