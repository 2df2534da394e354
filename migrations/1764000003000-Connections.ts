import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class Connections1764000003000 implements MigrationInterface {
  name = 'Connections1764000003000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        org_id text NOT NULL,
        region text NOT NULL CHECK (region IN ('us', 'eu')),
        credential_type text NOT NULL CHECK (credential_type IN ('service_account', 'api_key')),
        client_id_last4 text,
        -- AES-256-GCM sealed JSON of the credentials, bound to the connection id; null once deleted.
        credentials bytea,
        sync_interval_minutes integer CHECK (sync_interval_minutes >= 0),
        status text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'error')),
        status_error text,
        write_access text NOT NULL DEFAULT 'unverified' CHECK (write_access IN ('unverified', 'verified', 'denied')),
        last_sync_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX connections_created_idx ON connections (created_at, id) WHERE deleted_at IS NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connections`);
  }
}
