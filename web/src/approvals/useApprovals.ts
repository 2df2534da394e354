import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

export function useRequestsToApprove() {
  return useQuery({
    queryKey: ['access-requests', 'to_approve'],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/access-requests', {
          params: { query: { scope: 'to_approve', status: 'pending', limit: 200 } },
        }),
      ),
    refetchInterval: 10_000,
  });
}

/** The beneficiary's account with the groups it is already in: context an approver needs. */
export function useAccount(id: string) {
  return useQuery({
    queryKey: ['account', id],
    queryFn: () => unwrap(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
  });
}

export function useGroup(id: string) {
  return useQuery({
    queryKey: ['group', id],
    queryFn: () => unwrap(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })),
    staleTime: 300_000,
  });
}

export function useDecideRequest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, approve, comment }: { id: string; approve: boolean; comment: string }) =>
      approve
        ? unwrap(
            api.POST('/api/v1/access-requests/{id}/approve', {
              params: { path: { id } },
              body: comment ? { comment } : {},
            }),
          )
        : unwrap(
            api.POST('/api/v1/access-requests/{id}/deny', { params: { path: { id } }, body: { comment } }),
          ),
    onSettled: () => client.invalidateQueries({ queryKey: ['access-requests'] }),
  });
}
