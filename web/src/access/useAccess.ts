import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { Me } from '../api/types';

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: () => unwrap(api.GET('/api/v1/catalog', { params: { query: { limit: 500 } } })),
  });
}

export function useMyRequests() {
  return useQuery({
    queryKey: ['access-requests', 'mine'],
    queryFn: () =>
      unwrap(api.GET('/api/v1/access-requests', { params: { query: { scope: 'mine', limit: 100 } } })),
    // A request moves on without this page (approval, provisioning): keep it current.
    refetchInterval: 5000,
  });
}

export function useMyGrants() {
  return useQuery({
    queryKey: ['grants'],
    queryFn: () => unwrap(api.GET('/api/v1/grants', { params: { query: { limit: 200 } } })),
    refetchInterval: 5000,
  });
}

/** The caller's user accounts with their groups (standing memberships and those a grant added). */
export function useMyAccounts(me: Me | undefined) {
  const users = (me?.accounts ?? []).filter((a) => a.kind === 'user');
  return useQueries({
    queries: users.map((a) => ({
      queryKey: ['account', a.id],
      queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}', { params: { path: { id: a.id } } })),
      refetchInterval: 5000,
    })),
  });
}

/** Names of groups by id, fetched once each. */
export function useGroups(ids: readonly string[]) {
  const unique = [...new Set(ids)].sort();
  return useQueries({
    queries: unique.map((id) => ({
      queryKey: ['group', id],
      queryFn: () => unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
      staleTime: 300_000,
    })),
    combine: (results) => new Map(results.flatMap((r) => (r.data ? [[r.data.id, r.data] as const] : []))),
  });
}

function useInvalidateAccess() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['access-requests'] }),
      client.invalidateQueries({ queryKey: ['grants'] }),
      client.invalidateQueries({ queryKey: ['account'] }),
    ]);
}

export function useRequestAccess() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (body: {
      groupId: string;
      durationMinutes: number;
      justification?: string;
      startsAt?: string;
      breakGlass?: boolean;
    }) => unwrap(api.POST('/api/v1/access-requests', { body })),
    onSuccess: invalidate,
  });
}

export function useCancelRequest() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/access-requests/{id}/cancel', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

export function useEndGrant() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      unwrap(api.POST('/api/v1/grants/{id}/revoke', { params: { path: { id } }, body: { reason } })),
    onSuccess: invalidate,
  });
}
