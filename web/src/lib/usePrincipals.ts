import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

/** Every principal (up to 500), for filters that pick a person (admins and auditors may list them). */
export function usePrincipals() {
  return useQuery({
    queryKey: ['principals', 'all'],
    queryFn: () => unwrap(api.GET('/api/v1/principals', { params: { query: { limit: 500 } } })),
    staleTime: 60_000,
  });
}
