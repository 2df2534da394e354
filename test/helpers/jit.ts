import { type Client } from 'pg';
import { type TestApp } from './app';
import { createPrincipal, type TestPrincipal } from './principals';

/** A directory user as a just-in-time spec uses it: its account, JumpCloud id, email and department. */
export interface JitPerson {
  accountId: string;
  ext: string;
  email: string;
  department: string | null;
}

/**
 * Picks people and groups of one synced connection for just-in-time specs, each at most once: static
 * groups, and active users outside a group with no principal yet and no other account of their email
 * (so suspending the user leaves that person with no active account).
 */
export class JitPicker {
  private readonly usedEmails = new Set<string>();
  private readonly usedGroups = new Set<string>();

  constructor(
    private readonly db: Client,
    private readonly connectionId: string,
  ) {}

  async group(): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM directory_groups WHERE connection_id = $1 AND membership_method <> 'DYNAMIC_AUTOMATED'
         AND removed_at IS NULL AND NOT (id = ANY($2::uuid[])) ORDER BY external_id LIMIT 1`,
      [this.connectionId, [...this.usedGroups]],
    );
    if (!rows[0]) throw new Error('no group left');
    this.usedGroups.add(rows[0].id);
    return rows[0].id;
  }

  /** A user outside `groupId`: with its active manager, with no manager at all, or either. */
  async person(
    groupId: string,
    manager: 'with' | 'without' | 'any',
    where: (p: JitPerson) => boolean = () => true,
    notInGroups: string[] = [],
  ): Promise<{ user: JitPerson; manager?: JitPerson }> {
    const { rows } = await this.db.query(
      `SELECT a.id, a.external_id, a.email, a.department, m.id AS mid, m.external_id AS mext, m.email AS memail,
              m.department AS mdept
       FROM directory_accounts a
       LEFT JOIN directory_accounts m ON m.connection_id = a.connection_id AND m.external_id = a.manager_external_id
         AND m.removed_at IS NULL AND m.state = 'ACTIVATED' AND m.email IS NOT NULL
       WHERE a.connection_id = $1 AND a.kind = 'user' AND a.removed_at IS NULL AND a.state = 'ACTIVATED'
         AND a.email IS NOT NULL
         AND ($3 = 'any' OR ($3 = 'with' AND m.id IS NOT NULL) OR ($3 = 'without' AND a.manager_external_id IS NULL))
         AND NOT EXISTS (SELECT 1 FROM directory_memberships x WHERE x.group_id = ANY($2::uuid[])
                         AND x.account_id = a.id AND x.removed_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM principals p WHERE lower(p.email) IN (lower(a.email), lower(m.email)))
         AND NOT EXISTS (SELECT 1 FROM directory_accounts o WHERE lower(o.email) = lower(a.email) AND o.id <> a.id)
       ORDER BY a.external_id`,
      [this.connectionId, [groupId, ...notInGroups], manager],
    );
    const withManager = manager === 'with';
    const r = rows.find(
      (x) =>
        !this.usedEmails.has(x.email) &&
        (!withManager || (!this.usedEmails.has(x.memail) && x.memail !== x.email)) &&
        where({ accountId: x.id, ext: x.external_id, email: x.email, department: x.department }),
    );
    if (!r) throw new Error('no person left');
    this.usedEmails.add(r.email);
    if (withManager) this.usedEmails.add(r.memail);
    return {
      user: { accountId: r.id, ext: r.external_id, email: r.email, department: r.department },
      manager: withManager
        ? { accountId: r.mid, ext: r.mext, email: r.memail, department: r.mdept }
        : undefined,
    };
  }

  /** A fresh user outside `groupId` (see `person`) who signs up: the user and a principal of its email. */
  async requester(
    t: TestApp,
    groupId: string,
    opts: { where?: (p: JitPerson) => boolean; notInGroups?: string[] } = {},
  ): Promise<JitPerson & { principal: TestPrincipal }> {
    const { user } = await this.person(groupId, 'any', opts.where, opts.notInGroups);
    return { ...user, principal: await createPrincipal(t, { email: user.email }) };
  }
}
