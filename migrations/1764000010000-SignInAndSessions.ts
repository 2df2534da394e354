import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sign-in (API.md "Sign-in and sessions"):
 * - principals gain `kind` (every existing principal is a person; the bootstrap principal is a service,
 *   no person behind it) and the OpenID identity they are bound to, `(oidc_issuer, oidc_subject)`,
 *   unique, so one provider subject names one principal.
 * - `auth_sessions` holds browser sessions server-side, keyed by the SHA-256 of the session id (the
 *   cookie alone opens nothing if this table leaks). Postgres rather than Redis: sessions survive a
 *   Redis flush or restart, the sync that disables a person ends its sessions in its own transaction,
 *   and an operator can list them with SQL.
 * The runtime role gets its rights from the default privileges set by RuntimeRoleAndActorAuth; the
 * grant function runs again anyway, so a database migrated before that role existed is covered too.
 */
export class SignInAndSessions1764000010000 implements MigrationInterface {
  name = 'SignInAndSessions1764000010000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE principals
        ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'service')),
        ADD COLUMN oidc_issuer text,
        ADD COLUMN oidc_subject text,
        ADD CONSTRAINT principals_oidc_pair_ck CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL)),
        ADD CONSTRAINT principals_service_unbound_ck CHECK (kind = 'person' OR oidc_subject IS NULL)`);
    await q.query(`UPDATE principals SET kind = 'service' WHERE is_bootstrap`);
    await q.query(
      `CREATE UNIQUE INDEX principals_oidc_identity_uq ON principals (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES principals(id),
        secret_hash bytea NOT NULL UNIQUE,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        end_reason text CHECK (end_reason IN ('logout', 'revoked', 'ended_by_admin', 'principal_disabled'))
      )`);
    await q.query(
      `CREATE INDEX auth_sessions_principal_idx ON auth_sessions (principal_id, created_at, id) WHERE ended_at IS NULL`,
    );
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'jumpgate_grant_app_role') THEN
          PERFORM jumpgate_grant_app_role();
        END IF;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth_sessions`);
    await q.query(`DROP INDEX principals_oidc_identity_uq`);
    await q.query(`
      ALTER TABLE principals
        DROP CONSTRAINT principals_service_unbound_ck,
        DROP CONSTRAINT principals_oidc_pair_ck,
        DROP COLUMN oidc_subject,
        DROP COLUMN oidc_issuer,
        DROP COLUMN kind`);
  }
}
