import { keepPreviousData, useInfiniteQuery, useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { AccountFilters, GroupFilters } from './directory-logic';

const PAGE = 50;
/** History pages are shorter: each distinct account or group on them is looked up by id for its name. */
const HISTORY_PAGE = 25;

const next = (last: { nextCursor: string | null }) => last.nextCursor ?? undefined;

export function useConnections() {
  return useQuery({
    queryKey: ['connections'],
    queryFn: () => unwrap(api.GET('/api/v1/connections', { params: { query: { limit: 200 } } })),
  });
}

export function useAccounts(f: AccountFilters) {
  return useInfiniteQuery({
    queryKey: ['accounts', f],
    // While a new search loads, the last results stay rather than flashing a loader at every keystroke.
    placeholderData: keepPreviousData,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: next,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/accounts', {
          params: {
            query: {
              limit: PAGE,
              cursor: pageParam,
              q: f.q || undefined,
              kind: f.kind || undefined,
              connectionId: f.connectionId || undefined,
            },
          },
        }),
      ),
  });
}

export function useGroups(f: GroupFilters, limit = PAGE) {
  return useInfiniteQuery({
    queryKey: ['groups', f, limit],
    placeholderData: keepPreviousData,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: next,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/groups', {
          params: {
            query: {
              limit,
              cursor: pageParam,
              q: f.q || undefined,
              connectionId: f.connectionId || undefined,
            },
          },
        }),
      ),
  });
}

export function useAccount(id: string) {
  return useQuery({
    queryKey: ['account', id],
    queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
  });
}

/** API.md `GET /accounts/{id}/access`: its groups with grant and certification, and its applications. */
export function useAccountAccess(id: string) {
  return useQuery({
    queryKey: ['account-access', id],
    queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}/access', { params: { path: { id } } })),
  });
}

export function useAccountActivity(id: string) {
  return useQuery({
    queryKey: ['account-activity', id],
    queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}/activity', { params: { path: { id } } })),
  });
}

export function useGroup(id: string) {
  return useQuery({
    queryKey: ['group', id],
    queryFn: () => unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
  });
}

export function useGroupMembers(id: string) {
  return useInfiniteQuery({
    queryKey: ['group-members', id],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: next,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/groups/{id}/members', {
          params: { path: { id }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
  });
}

export function useHistory(of: 'account' | 'group', id: string) {
  return useInfiniteQuery({
    queryKey: ['history', of, id],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: next,
    queryFn: ({ pageParam }) => {
      const params = { path: { id }, query: { limit: HISTORY_PAGE, cursor: pageParam } };
      return unwrap(
        of === 'account'
          ? api.GET('/api/v1/accounts/{id}/history', { params })
          : api.GET('/api/v1/groups/{id}/history', { params }),
      );
    },
  });
}

/** Names for the ids a history page mentions, looked up once each (and shared with the detail pages' cache). */
export function useNames(of: 'account' | 'group', ids: readonly string[]): Map<string, string> {
  const results = useQueries({
    queries: ids.map((id) => ({
      queryKey: [of, id],
      queryFn: () =>
        of === 'account'
          ? unwrap(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } }))
          : unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const names = new Map<string, string>();
  results.forEach((r, i) => {
    const d = r.data as { name?: string; displayName?: string | null; email?: string | null } | undefined;
    const name = d?.name ?? d?.displayName ?? d?.email;
    const id = ids[i];
    if (name && id) names.set(id, name);
  });
  return names;
}
