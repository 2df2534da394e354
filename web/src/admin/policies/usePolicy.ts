import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { PolicyBody } from './policy-logic';

export function usePolicy(groupId: string) {
  return useQuery({
    queryKey: ['policy', groupId],
    queryFn: () => unwrap(api.GET('/api/v1/groups/{id}/policy', { params: { path: { id: groupId } } })),
  });
}

export function useSavePolicy(groupId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PolicyBody) =>
      unwrap(api.PUT('/api/v1/groups/{id}/policy', { params: { path: { id: groupId } }, body })),
    onSuccess: (saved) => client.setQueryData(['policy', groupId], saved),
  });
}
