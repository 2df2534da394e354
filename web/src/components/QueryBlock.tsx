import { Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';

/** The parts of a TanStack query (plain or infinite) that decide what a block shows. */
export interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

const hasNoItems = (data: unknown): boolean => {
  const d = data as { items?: unknown[]; pages?: { items?: unknown[] }[] } | undefined;
  if (d?.pages) return d.pages.every((p) => (p.items?.length ?? 0) === 0);
  return Array.isArray(d?.items) && d.items.length === 0;
};

/**
 * One query's states as every page shows them: loading, the error with what to do and a retry, an
 * honest empty line (with its test id), else the content. "Empty" defaults to a list page with no item.
 */
export function QueryBlock<T>({
  query,
  loading,
  empty,
  emptyTestId,
  isEmpty = hasNoItems,
  children,
}: {
  query: QueryLike<T>;
  loading: string;
  empty?: ReactNode;
  emptyTestId?: string;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError || query.data === undefined) {
    return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  }
  if (empty !== undefined && isEmpty(query.data)) {
    return <Text data-testid={emptyTestId}>{empty}</Text>;
  }
  return children(query.data);
}
