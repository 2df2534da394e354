import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { NotificationsService } from '../notifications/notifications.service';
import { describeChanger, type DriftAdd, DriftResponders } from '../platform/drift';
import { changedByOfRow } from './dto/membership-history.dto';

interface OutsideAddRow {
  account_id: string;
  group_id: string;
  membership_method: string;
  group_name: string;
  account_email: string | null;
  changed_by_type: 'admin' | 'api_key' | 'scim' | 'unknown' | null;
  changed_by_email: string | null;
  changed_by_name: string | null;
}

/**
 * Drift (API.md "Access, activity and drift"): the memberships a sync saw appear in JumpCloud without
 * jumpgate. Inside the sync's transaction, after attribution: the group's policy acts on each
 * (through the DriftResponders port that access serves), and each becomes one `drift_detected` to
 * the group's owners, else the admins, saying who made it and what jumpgate did. Removals made
 * outside are recorded in the history only: API.md asks for no notification of them.
 */
@Injectable()
export class DriftDetectionService {
  constructor(
    private readonly responders: DriftResponders,
    private readonly notifications: NotificationsService,
  ) {}

  /** Returns the work for after the commit (notifications and removals to dispatch). */
  async detect(m: EntityManager, connectionId: string, runId: string): Promise<() => Promise<void>> {
    const rows = await m.query<OutsideAddRow[]>(
      `SELECT h.account_id, h.group_id, g.membership_method, g.name AS group_name, a.email AS account_email,
              h.changed_by_type, h.changed_by_email, h.changed_by_name
       FROM directory_membership_history h
       JOIN directory_groups g ON g.id = h.group_id
       JOIN directory_accounts a ON a.id = h.account_id
       WHERE h.run_id = $1 AND h.change = 'added' AND h.operation_id IS NULL
       ORDER BY h.id`,
      [runId],
    );
    if (rows.length === 0) return () => Promise.resolve();
    const adds: DriftAdd[] = rows.map((r) => ({
      connectionId,
      runId,
      accountId: r.account_id,
      groupId: r.group_id,
      membershipMethod: r.membership_method,
      changedBy: changedByOfRow(r),
    }));
    const outcome = await this.responders.respond(m, adds);
    // Every add's notice in one statement: a mass change must not cost a round trip per add.
    const notices = await this.notifications.notifyMany(
      m,
      rows.flatMap((r, i) => {
        const response = outcome.responses[i];
        if (response.action === 'jumpgate') return [];
        return [
          {
            kind: 'drift_detected',
            recipients: response.ownerIds.length > 0 ? response.ownerIds : { admins: true },
            // One notification per change: the group, and the run and account that name the change.
            subject: { type: 'group', id: r.group_id },
            period: `${runId}.${r.account_id}`,
            data: {
              connectionId,
              runId,
              accountId: r.account_id,
              accountEmail: r.account_email ?? '',
              groupId: r.group_id,
              groupName: r.group_name,
              changedBy: adds[i].changedBy,
              changedByText: describeChanger(adds[i].changedBy),
              action: response.action,
              note: response.note,
            },
            links: {
              ui: `/admin/directory/groups/${r.group_id}`,
              api: `/api/v1/groups/${r.group_id}/history`,
            },
          },
        ];
      }),
    );
    return async () => {
      await this.notifications.dispatch(notices);
      await outcome.afterCommit();
    };
  }
}
