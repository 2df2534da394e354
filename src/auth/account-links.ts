/** A directory account linked to a principal by email. */
export interface LinkedAccount {
  id: string;
  connectionId: string;
  kind: 'user' | 'admin';
  email: string;
  displayName: string | null;
}

/**
 * `auth` imports no domain: the directory module provides this (by email, case-insensitively) so that
 * `/me` can list a principal's accounts. Until a directory is registered, a principal has none.
 */
export interface AccountLinkResolver {
  accountsForEmail(email: string): Promise<LinkedAccount[]>;
}

export const ACCOUNT_LINK_RESOLVER = Symbol('ACCOUNT_LINK_RESOLVER');
