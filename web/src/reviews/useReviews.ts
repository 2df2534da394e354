import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import { api, unwrap } from '../api/client';
import type { Decision } from '../api/types';

// A small first page paints the first rows sooner; the rest come in the largest pages the API allows.
const FIRST_PAGE = 100;
const PAGE = 500;

/**
 * Every item of the caller's with this status, page by page: the first page shows at once and the rest
 * follow in the background, so a reviewer with thousands of items sees rows immediately.
 */
export function useReviewItems(status: 'pending' | 'decided') {
  const query = useInfiniteQuery({
    queryKey: ['reviews', status],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/reviews', {
          params: {
            query: { status, ...(pageParam ? { cursor: pageParam, limit: PAGE } : { limit: FIRST_PAGE }) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isError } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);
  const items = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  return { ...query, items };
}

export function useReviewSummary() {
  return useQuery({
    queryKey: ['reviews', 'summary'],
    queryFn: () => unwrap(api.GET('/api/v1/reviews/summary')),
  });
}

export interface DecisionInput {
  itemId: string;
  decision: Decision;
  justification?: string;
}

/** `POST /reviews/decisions`: the batch commits together; rejected items come back with a reason. */
export function useDecide() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (decisions: DecisionInput[]) =>
      unwrap(api.POST('/api/v1/reviews/decisions', { body: { decisions } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['reviews'] }),
  });
}

/** `POST /review-items/{id}/reassign`: the item goes to another reviewer, with the reason on record. */
export function useReassign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ itemId, reviewerId, reason }: { itemId: string; reviewerId: string; reason: string }) =>
      unwrap(
        api.POST('/api/v1/review-items/{id}/reassign', {
          params: { path: { id: itemId } },
          body: { reviewerId, reason },
        }),
      ),
    onSettled: () => client.invalidateQueries({ queryKey: ['reviews'] }),
  });
}
