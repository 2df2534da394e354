import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';

export type Principal = components['schemas']['PrincipalResponse'];

/** The first 500 principals (the API's page limit): enough to pick owners and approvers from. */
export function usePrincipals(enabled = true) {
  return useQuery({
    queryKey: ['principals'],
    enabled,
    queryFn: () => unwrap(api.GET('/api/v1/principals', { params: { query: { limit: 500 } } })),
  });
}

export const principalLabel = (p: Pick<Principal, 'email' | 'displayName'>): string =>
  p.displayName ? `${p.displayName} (${p.email})` : p.email;

export function usePrincipal(id: string) {
  return useQuery({
    queryKey: ['principal', id],
    queryFn: () => unwrap(api.GET('/api/v1/principals/{id}', { params: { path: { id } } })),
  });
}

export function usePrincipalTokens(id: string) {
  return useQuery({
    queryKey: ['principal-tokens', id],
    queryFn: () =>
      unwrap(api.GET('/api/v1/principals/{id}/tokens', { params: { path: { id }, query: { limit: 200 } } })),
  });
}

export function usePrincipalSessions(id: string) {
  return useQuery({
    queryKey: ['principal-sessions', id],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/principals/{id}/sessions', { params: { path: { id }, query: { limit: 200 } } }),
      ),
  });
}
