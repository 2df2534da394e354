/** A directory account linked to a principal by email. */
export interface LinkedAccount {
  id: string;
  connectionId: string;
  kind: 'user' | 'admin';
  email: string;
  displayName: string | null;
}

/** Whether an email has an active account (not suspended, not removed), only inactive ones, or none. */
export type AccountStatus = 'active' | 'inactive' | 'none';

/**
 * `auth` imports no domain: the directory module provides these facts (by email, case-insensitively,
 * over live connections) so that `/me` lists a principal's accounts and sign-in can ask who may sign
 * in and who is in a role group. Until a directory is registered, nobody has an account.
 */
export interface AccountLinkResolver {
  accountsForEmail(email: string): Promise<LinkedAccount[]>;
  accountStatusForEmail(email: string): Promise<AccountStatus>;
  /**
   * For each of these emails (lower-cased), the JumpCloud ids (externalId) of those groups that one of
   * its active accounts is a current member of; emails in none are left out.
   */
  groupsOfEmails(emails: string[], groupExternalIds: string[]): Promise<Map<string, string[]>>;
}
