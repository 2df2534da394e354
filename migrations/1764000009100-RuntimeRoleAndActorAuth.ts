import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The server's own database role (DATABASE_URL) is separate from the owner that runs migrations
 * (DATABASE_OWNER_URL), so a leaked DATABASE_URL cannot disable the audit triggers or cut the log.
 *
 * The runtime role is never named here: every right goes to the group role `jumpgate_app`, and the
 * operator makes the server's login role a member of it (docs/operations.md). The grants are a
 * function, `jumpgate_grant_app_role()`, that this migration calls and that the migration runner calls
 * again after every run, so a group created after this migration still gets its rights at the next
 * `npm run migration:run`. Tables and sequences that later migrations create are covered by
 * ALTER DEFAULT PRIVILEGES for the role that runs migrations (enforced by Postgres, not by code that
 * could be forgotten); a later table that must be append-only revokes like audit_events does here.
 *
 * ANALYZE needs ownership (Postgres 15 has no MAINTAIN privilege) and is silently skipped for any
 * other role, which would make large launches and syncs plan with stale row counts: the server calls
 * `jumpgate_analyze(...)`, which runs as the owner and only analyses tables of this schema.
 *
 * audit_events gains `actor_auth`: how the actor authenticated (`via`, `tokenId`, ...), hashed by the
 * chain with the rest of the event. Older rows keep NULL there and verify as before.
 */
export class RuntimeRoleAndActorAuth1764000009100 implements MigrationInterface {
  name = 'RuntimeRoleAndActorAuth1764000009100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN actor_auth jsonb`);
    await q.query(`
      CREATE FUNCTION jumpgate_analyze(VARIADIC tables regclass[]) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE t regclass;
      BEGIN
        FOREACH t IN ARRAY tables LOOP
          IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE c.oid = t AND n.nspname = 'public' AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'jumpgate_analyze: % is not a table of jumpgate', t USING ERRCODE = 'insufficient_privilege';
          END IF;
          EXECUTE format('ANALYZE %s', t);
        END LOOP;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION jumpgate_analyze(regclass[]) FROM PUBLIC`);
    await q.query(`
      CREATE FUNCTION jumpgate_grant_app_role() RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumpgate_app') THEN
          BEGIN
            CREATE ROLE jumpgate_app NOLOGIN;
          EXCEPTION WHEN insufficient_privilege THEN
            -- Without CREATEROLE and without the group there is no separate runtime role: the owner
            -- keeps running the server, as before DATABASE_OWNER_URL existed.
            RAISE NOTICE 'role jumpgate_app does not exist and % may not create it: no runtime grants', current_user;
            RETURN false;
          END;
        END IF;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO jumpgate_app;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO jumpgate_app;
        -- Append-only for the server: the triggers refuse these to everyone, and the server's role
        -- cannot disable triggers because it owns nothing.
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM jumpgate_app;
        -- The server never writes the migration bookkeeping; it may read it, so that a server started
        -- with MIGRATIONS_RUN=true (the default) finds nothing pending and starts.
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON typeorm_migrations FROM jumpgate_app;
        GRANT EXECUTE ON FUNCTION jumpgate_analyze(regclass[]) TO jumpgate_app;
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
                        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jumpgate_app', current_user);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
                        GRANT USAGE, SELECT ON SEQUENCES TO jumpgate_app', current_user);
        RETURN true;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION jumpgate_grant_app_role() FROM PUBLIC`);
    await q.query(`SELECT jumpgate_grant_app_role()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumpgate_app') THEN
          EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
                          REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM jumpgate_app', current_user);
          EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public
                          REVOKE USAGE, SELECT ON SEQUENCES FROM jumpgate_app', current_user);
          REVOKE ALL ON ALL TABLES IN SCHEMA public FROM jumpgate_app;
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM jumpgate_app;
        END IF;
      END $$`);
    await q.query(`DROP FUNCTION jumpgate_grant_app_role()`);
    await q.query(`DROP FUNCTION jumpgate_analyze(regclass[])`);
    // Events written since this migration hashed their actor_auth: after this they no longer verify.
    await q.query(`ALTER TABLE audit_events DROP COLUMN actor_auth`);
  }
}
