import { type DataSource } from 'typeorm';
import { type AuditService } from './audit/audit.service';
import { CONNECTION_CREDENTIALS } from './connections/connections.repository';
import { CHANNEL_CONFIG } from './notifications/notification-channels.repository';
import { systemActor } from './platform/actor';
import { type ResealCounts, resealColumn } from './platform/secrets/sealed-column';
import { type SecretBox } from './platform/secrets/secret-box';

export interface ResealReport {
  connections: ResealCounts;
  notificationChannels: ResealCounts;
}

/**
 * Seals every stored secret again under ENCRYPTION_KEY (`npm run reseal`), so a previous key can be
 * dropped from ENCRYPTION_KEY_PREVIOUS once no secret needs it (the audit log may still need it to
 * verify: see docs/operations.md): connection credentials and notification channel configs. One short
 * transaction per row, under its row lock, so a running server that changes the same secret meanwhile
 * is neither blocked for long nor overwritten. Lives at the top of src/ because it spans two domains.
 */
export async function resealStoredSecrets(
  dataSource: DataSource,
  box: SecretBox,
  audit: AuditService,
): Promise<ResealReport> {
  const report: ResealReport = {
    connections: await resealColumn(dataSource, box, CONNECTION_CREDENTIALS),
    notificationChannels: await resealColumn(dataSource, box, CHANNEL_CONFIG),
  };
  await audit.recordAlone(systemActor('reseal'), { action: 'secrets.resealed', data: { ...report } });
  return report;
}
