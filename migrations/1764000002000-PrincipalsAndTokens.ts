import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class PrincipalsAndTokens1764000002000 implements MigrationInterface {
  name = 'PrincipalsAndTokens1764000002000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE principals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text,
        roles text[] NOT NULL DEFAULT '{}',
        disabled boolean NOT NULL DEFAULT false,
        is_bootstrap boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emails link principals to directory accounts case-insensitively, so uniqueness is too.
    await q.query(`CREATE UNIQUE INDEX principals_email_lower_uq ON principals (lower(email))`);
    await q.query(`CREATE INDEX principals_created_idx ON principals (created_at, id)`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        principal_id uuid NOT NULL REFERENCES principals(id),
        name text NOT NULL,
        prefix text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_by uuid REFERENCES principals(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_tokens_principal_idx ON api_tokens (principal_id, created_at, id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE principals`);
  }
}
