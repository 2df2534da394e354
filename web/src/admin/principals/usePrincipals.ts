import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

export type Principal = components['schemas']['PrincipalResponse'];

/** The first 500 principals (the API's page limit): enough to pick owners and approvers from. */
export function usePrincipals() {
  return useQuery({
    queryKey: ['principals'],
    queryFn: () => unwrap(api.GET('/api/v1/principals', { params: { query: { limit: 500 } } })),
  });
}

export const principalLabel = (p: Pick<Principal, 'email' | 'displayName'>): string =>
  p.displayName ? `${p.displayName} (${p.email})` : p.email;
