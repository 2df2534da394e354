import { type JumpCloudAdministrator, type JumpCloudPage, type JumpCloudSystemUser } from '../../jumpcloud';

/** A listing that did not come back whole: the run must not remove anything on its account. */
export class IncompleteListingError extends Error {
  constructor(what: string, got: number, total: number) {
    super(`JumpCloud listed ${got} ${what} but reported ${total}; the listing changed or came up short`);
    this.name = 'IncompleteListingError';
  }
}

export const ACCOUNT_COLS = [
  'id',
  'kind',
  'external_id',
  'email',
  'username',
  'display_name',
  'state',
  'manager_external_id',
  'department',
  'job_title',
  'admin_roles',
  'mfa_configured',
];

export function userRow(id: string, u: JumpCloudSystemUser): (string | null | string[])[] {
  const name = u.displayname?.trim() || [u.firstname, u.lastname].filter(Boolean).join(' ').trim() || null;
  return [
    id,
    'user',
    u.id,
    u.email,
    u.username,
    name,
    u.state,
    u.managerId,
    u.department,
    u.jobTitle,
    [],
    mfaCell(u.mfaConfigured),
  ];
}

export function adminRow(id: string, a: JumpCloudAdministrator): (string | null | string[])[] {
  const name = [a.firstname, a.lastname].filter(Boolean).join(' ').trim() || null;
  const roles = a.roleNames.length > 0 ? a.roleNames : a.roleName ? [a.roleName] : [];
  // Administrators have no profile attributes (seed 004 FAQ): no manager, department or title.
  return [
    id,
    'admin',
    a.id,
    a.email,
    a.email,
    name,
    a.suspended ? 'SUSPENDED' : 'ACTIVATED',
    null,
    null,
    null,
    roles,
    mfaCell(a.mfaConfigured),
  ];
}

/** A nullable boolean as a COPY value ('t'/'f'), null when JumpCloud said nothing. */
const mfaCell = (v: boolean | null): string | null => (v === null ? null : v ? 't' : 'f');

/** Drains a listing into a stage, checking that it came back whole (count = JumpCloud's total). */
export async function drain<T>(
  what: string,
  pages: AsyncGenerator<JumpCloudPage<T>>,
  onItem: (item: T) => Promise<void> | undefined,
): Promise<number> {
  let count = 0;
  let total: number | null = null;
  for await (const page of pages) {
    if (page.total !== null) total = page.total;
    for (const item of page.items) {
      // Most items need no wait (undefined): awaiting each would cost a microtask per row.
      const wait = onItem(item);
      if (wait !== undefined) await wait;
      count++;
    }
  }
  if (total !== null && total !== count) throw new IncompleteListingError(what, count, total);
  return count;
}

/** Runs `fn` over `items`, `concurrency` at a time; the first failure stops the rest and is thrown. */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  // A holder, since TypeScript does not see the workers assign it.
  const state: { failure: Error | null } = { failure: null };
  const worker = async (): Promise<void> => {
    while (state.failure === null && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        state.failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (state.failure !== null) throw state.failure;
}
