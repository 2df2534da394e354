import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { EXPIRY_ACTOR } from './access.actors';
import { AccessNotifications } from './access-notifications';
import { AccessRequestsRepository } from './access-requests.repository';

/** Pending requests nobody decided within their policy's `requestTtlHours` end `expired` (cluster tick). */
@Injectable()
export class RequestExpiryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly requests: AccessRequestsRepository,
    private readonly audit: AuditService,
    private readonly notices: AccessNotifications,
  ) {}

  /** Expires every pending request past its `expiresAt`; tells the requester and the beneficiary. */
  async expireStaleRequests(): Promise<number> {
    let total = 0;
    for (;;) {
      const notices: string[] = [];
      const rows = await this.dataSource.transaction(async (m) => {
        const expired = await this.requests.expireStale(m);
        for (const r of expired) {
          notices.push(...(await this.notices.requestDecided(m, r, 'expired')));
          await this.audit.record(m, EXPIRY_ACTOR, {
            action: 'access.request.expired',
            targetType: 'access_request',
            targetId: r.id,
            data: { createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString() },
          });
        }
        return expired;
      });
      await this.notices.dispatch(notices);
      total += rows.length;
      if (rows.length < 1000) return total;
    }
  }
}
