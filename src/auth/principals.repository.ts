import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Role } from '../platform/actor';
import { returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';

export interface PrincipalRow {
  id: string;
  /** created_at to the microsecond, as cursors need it (a JS Date keeps only milliseconds). */
  ck?: string;
  email: string;
  display_name: string | null;
  roles: Role[];
  disabled: boolean;
  is_bootstrap: boolean;
  kind: PrincipalKind;
  /** The OpenID identity this principal is bound to (both or neither). */
  oidc_issuer: string | null;
  oidc_subject: string | null;
  created_at: Date;
}

export type PrincipalKind = 'person' | 'service';

export interface TokenRow {
  id: string;
  ck?: string;
  principal_id: string;
  name: string;
  prefix: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type TokenWithPrincipal = TokenRow & { principal: PrincipalRow };

const PRINCIPAL_COLS =
  'id, email, display_name, roles, disabled, is_bootstrap, kind, oidc_issuer, oidc_subject, created_at';
const TOKEN_COLS =
  'id, principal_id, name, prefix, created_by, created_at, expires_at, last_used_at, revoked_at';

@Injectable()
export class PrincipalsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private db(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async getById(id: string, m?: EntityManager): Promise<PrincipalRow | null> {
    const rows = await this.db(m).query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async getByEmail(email: string, m?: EntityManager): Promise<PrincipalRow | null> {
    const rows = await this.db(m).query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals WHERE lower(email) = lower($1)`,
      [email],
    );
    return rows[0] ?? null;
  }

  /** Inserts unless the email is taken (case-insensitively); returns null when it is. */
  async insert(
    m: EntityManager,
    p: {
      email: string;
      displayName: string | null;
      roles: Role[];
      isBootstrap?: boolean;
      kind?: PrincipalKind;
      identity?: { issuer: string; subject: string };
    },
  ): Promise<PrincipalRow | null> {
    const rows = await m.query<PrincipalRow[]>(
      `INSERT INTO principals (email, display_name, roles, is_bootstrap, kind, oidc_issuer, oidc_subject)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${PRINCIPAL_COLS}`,
      [
        p.email,
        p.displayName,
        p.roles,
        p.isBootstrap ?? false,
        p.kind ?? 'person',
        p.identity?.issuer ?? null,
        p.identity?.subject ?? null,
      ],
    );
    return rows[0] ?? null;
  }

  async update(
    m: EntityManager,
    id: string,
    patch: { displayName?: string | null; roles?: Role[]; disabled?: boolean },
  ): Promise<PrincipalRow | null> {
    const rows = returned<PrincipalRow>(
      await m.query(
        `UPDATE principals SET
         display_name = CASE WHEN $2::boolean THEN $3::text ELSE display_name END,
         roles = COALESCE($4::text[], roles),
         disabled = COALESCE($5::boolean, disabled),
         updated_at = now()
       WHERE id = $1 RETURNING ${PRINCIPAL_COLS}`,
        [
          id,
          patch.displayName !== undefined,
          patch.displayName ?? null,
          patch.roles ?? null,
          patch.disabled ?? null,
        ],
      ),
    );
    return rows[0] ?? null;
  }

  async list(ks: Keyset): Promise<PrincipalRow[]> {
    return await this.dataSource.query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS}, ${cursorKey('created_at')} AS ck FROM principals
       WHERE ${ks.after(1)}
       ORDER BY created_at, id LIMIT $3`,
      ks.params,
    );
  }

  async insertToken(
    m: EntityManager,
    t: {
      principalId: string;
      name: string;
      prefix: string;
      hash: Buffer;
      createdBy: string | null;
      expiresAt: Date;
    },
  ): Promise<TokenRow> {
    const rows = await m.query<TokenRow[]>(
      `INSERT INTO api_tokens (principal_id, name, prefix, token_hash, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${TOKEN_COLS}`,
      [t.principalId, t.name, t.prefix, t.hash, t.createdBy, t.expiresAt],
    );
    return rows[0];
  }

  async getTokenByHash(hash: Buffer): Promise<TokenWithPrincipal | null> {
    const rows = await this.dataSource.query<
      (TokenRow & { principal: PrincipalRow & { created_at: string } })[]
    >(
      `SELECT t.id, t.principal_id, t.name, t.prefix, t.created_by, t.created_at, t.expires_at, t.last_used_at,
              t.revoked_at, row_to_json(p) AS principal
       FROM api_tokens t JOIN principals p ON p.id = t.principal_id
       WHERE t.token_hash = $1`,
      [hash],
    );
    const row = rows[0];
    if (!row) return null;
    return { ...row, principal: { ...row.principal, created_at: new Date(row.principal.created_at) } };
  }

  async getToken(id: string): Promise<TokenRow | null> {
    const rows = await this.dataSource.query<TokenRow[]>(
      `SELECT ${TOKEN_COLS} FROM api_tokens WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async listTokens(principalId: string, ks: Keyset): Promise<TokenRow[]> {
    return await this.dataSource.query<TokenRow[]>(
      `SELECT ${TOKEN_COLS}, ${cursorKey('created_at')} AS ck FROM api_tokens
       WHERE principal_id = $1 AND ${ks.after(2)}
       ORDER BY created_at, id LIMIT $4`,
      [principalId, ...ks.params],
    );
  }

  async revokeToken(m: EntityManager, id: string): Promise<TokenRow | null> {
    const rows = returned<TokenRow>(
      await m.query(
        `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${TOKEN_COLS}`,
        [id],
      ),
    );
    return rows[0] ?? null;
  }

  /** At most one write a minute per token, however many requests it makes. */
  async touchToken(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_tokens SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  async getByIdentity(issuer: string, subject: string, m?: EntityManager): Promise<PrincipalRow | null> {
    const rows = await this.db(m).query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals WHERE oidc_issuer = $1 AND oidc_subject = $2`,
      [issuer, subject],
    );
    return rows[0] ?? null;
  }

  /** Binds a person to an identity, its email and roles set with it; null if it was bound meanwhile. */
  async bindIdentity(
    m: EntityManager,
    id: string,
    identity: { issuer: string; subject: string },
  ): Promise<PrincipalRow | null> {
    const rows = returned<PrincipalRow>(
      await m.query(
        `UPDATE principals SET oidc_issuer = $2, oidc_subject = $3, updated_at = now()
         WHERE id = $1 AND oidc_subject IS NULL AND kind = 'person' RETURNING ${PRINCIPAL_COLS}`,
        [id, identity.issuer, identity.subject],
      ),
    );
    return rows[0] ?? null;
  }

  /** A bound principal takes its provider's new email; null when another principal has that email. */
  async setEmail(m: EntityManager, id: string, email: string): Promise<PrincipalRow | null> {
    const rows = returned<PrincipalRow>(
      await m.query(
        `UPDATE principals SET email = $2, updated_at = now()
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM principals o WHERE lower(o.email) = lower($2) AND o.id <> $1)
         RETURNING ${PRINCIPAL_COLS}`,
        [id, email],
      ),
    );
    return rows[0] ?? null;
  }

  async setRoles(m: EntityManager, id: string, roles: Role[]): Promise<void> {
    await m.query(`UPDATE principals SET roles = $2, updated_at = now() WHERE id = $1`, [id, roles]);
  }

  /** Principals bound to an identity provider, locked against a concurrent recompute of their roles. */
  async lockBound(m: EntityManager, ids?: string[]): Promise<PrincipalRow[]> {
    return m.query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals
       WHERE oidc_subject IS NOT NULL AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
       ORDER BY id FOR UPDATE`,
      [ids ?? null],
    );
  }

  async enabledEmails(): Promise<string[]> {
    // Service principals are never linked to accounts, so a sync never disables one.
    const rows = await this.dataSource.query<{ e: string }[]>(
      `SELECT lower(email) AS e FROM principals WHERE NOT disabled AND NOT is_bootstrap AND kind = 'person'`,
    );
    return rows.map((r) => r.e);
  }

  async disableByEmails(m: EntityManager, emails: string[]): Promise<PrincipalRow[]> {
    if (emails.length === 0) return [];
    return returned<PrincipalRow>(
      await m.query(
        `UPDATE principals SET disabled = true, updated_at = now()
         WHERE lower(email) = ANY($1::text[]) AND NOT disabled AND NOT is_bootstrap AND kind = 'person' RETURNING ${PRINCIPAL_COLS}`,
        [emails.map((e) => e.toLowerCase())],
      ),
    );
  }

  /** Principals with these ids that exist (set-wise, for services validating lists of principals). */
  async existingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.dataSource.query<
      {
        id: string;
      }[]
    >(`SELECT id FROM principals WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.id);
  }

  /** The principals with these ids, or with these emails (case-insensitively), set-wise. */
  async getByIdsOrEmails(ids: string[], emails: string[]): Promise<PrincipalRow[]> {
    if (ids.length === 0 && emails.length === 0) return [];
    return this.dataSource.query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals
       WHERE id = ANY($1::uuid[]) OR lower(email) = ANY($2::text[])`,
      [ids, emails.map((e) => e.toLowerCase())],
    );
  }

  /** Every principal with the role, oldest first (created_at, then id). */
  async withRoleOldestFirst(role: Role): Promise<PrincipalRow[]> {
    return this.dataSource.query<PrincipalRow[]>(
      `SELECT ${PRINCIPAL_COLS} FROM principals WHERE $1 = ANY(roles) ORDER BY created_at, id`,
      [role],
    );
  }
}
