import { type DataSource } from 'typeorm';
import { type AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { type SecretBox } from './secret-box';

export interface ResealCounts {
  /** Sealed under a previous key, now sealed under ENCRYPTION_KEY. */
  resealed: number;
  /** Already sealed under ENCRYPTION_KEY: left as they were. */
  current: number;
  /** Sealed under a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS: left as they were. */
  unreadable: number;
}

export interface ResealReport {
  connections: ResealCounts;
}

/**
 * Seals every stored secret again under ENCRYPTION_KEY (`npm run reseal`), so a previous key can be
 * dropped from ENCRYPTION_KEY_PREVIOUS once no secret needs it (the audit log may still need it to
 * verify: see docs/operations.md). One short transaction per row, under its row lock, so a running
 * server that changes the same credentials meanwhile is neither blocked for long nor overwritten.
 * Connection credentials are today's only sealed secrets.
 */
export async function resealStoredSecrets(
  dataSource: DataSource,
  box: SecretBox,
  audit: AuditService,
): Promise<ResealReport> {
  const counts: ResealCounts = { resealed: 0, current: 0, unreadable: 0 };
  const ids = await dataSource.query<{ id: string }[]>(
    `SELECT id FROM connections WHERE credentials IS NOT NULL ORDER BY id`,
  );
  for (const { id } of ids) {
    await dataSource.transaction(async (m) => {
      const [row] = await m.query<{ credentials: Buffer }[]>(
        `SELECT credentials FROM connections WHERE id = $1 AND credentials IS NOT NULL FOR UPDATE`,
        [id],
      );
      if (!row) return; // deleted meanwhile
      let opened: { plaintext: string; stale: boolean };
      try {
        opened = box.open(row.credentials, id);
      } catch {
        counts.unreadable++;
        return;
      }
      if (!opened.stale) {
        counts.current++;
        return;
      }
      await m.query(`UPDATE connections SET credentials = $2, updated_at = clock_timestamp() WHERE id = $1`, [
        id,
        box.seal(opened.plaintext, id),
      ]);
      counts.resealed++;
    });
  }
  const report = { connections: counts };
  await audit.recordAlone(systemActor('reseal'), { action: 'secrets.resealed', data: report });
  return report;
}
