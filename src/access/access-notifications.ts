import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { AuthService } from '../auth/auth.service';
import { DirectoryService } from '../directory/directory.service';
import { NotificationsService } from '../notifications/notifications.service';
import { iso } from '../platform/database/sql';
import { type GrantRow, type RequestRow } from './dto/access.rows';
import { AccessRequestsRepository } from './access-requests.repository';

export type GrantNotice = { g: GrantRow; kind: 'grant_active' | 'grant_expiring' | 'grant_ended' };

/**
 * Access's notifications (API.md): `request_to_approve` to the request's eligible approvers,
 * `request_decided` and the grant kinds to the requester and the beneficiary, each written in the
 * transaction of its cause; the ids go to `dispatch` after the commit.
 */
@Injectable()
export class AccessNotifications {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly directory: DirectoryService,
    private readonly auth: AuthService,
    private readonly requests: AccessRequestsRepository,
  ) {}

  dispatch(ids: string[]): Promise<void> {
    return this.notifications.dispatch(ids);
  }

  private async names(
    groupId: string,
    accountId: string,
  ): Promise<{ groupName: string; accountEmail: string }> {
    const [[group], [account]] = await Promise.all([
      this.directory.groupsByIds([groupId]),
      this.directory.accountsByIds([accountId]),
    ]);
    return { groupName: group?.name ?? groupId, accountEmail: account?.email ?? '' };
  }

  /** `request_to_approve` to those who can act on the request's current step (the caller chose them). */
  async requestToApprove(m: EntityManager, req: RequestRow, approverIds: string[]): Promise<string[]> {
    if (approverIds.length === 0) return [];
    const names = await this.names(req.group_id, req.account_id);
    const requester = await this.auth.getPrincipalRow(req.requester_id);
    return this.notifications.notify(m, {
      kind: 'request_to_approve',
      recipients: approverIds,
      subject: { type: 'access_request', id: req.id },
      data: {
        requestId: req.id,
        ...names,
        requesterEmail: requester?.email ?? '',
        durationMinutes: req.duration_minutes,
        justification: req.justification,
        // The step the recipients are asked for, 1-based as people count.
        step: req.current_step + 1,
        steps: req.approval_steps.length,
        stepKind: req.approval_steps[req.current_step]?.kind ?? 'approvers',
      },
      links: { ui: `/requests/${req.id}`, api: `/api/v1/access-requests/${req.id}` },
    });
  }

  /**
   * `request_decided` to the requester and the beneficiary. A caller that knows the names already
   * passes them: a read through the pool inside a transaction needs a second connection, and a
   * burst of requests that each hold one while waiting for another empties the pool (500s).
   */
  async requestDecided(
    m: EntityManager,
    req: RequestRow,
    decision: 'approved' | 'denied' | 'expired',
    known?: { groupName: string; accountEmail: string },
  ): Promise<string[]> {
    const names = known ?? (await this.names(req.group_id, req.account_id));
    return this.notifications.notify(m, {
      kind: 'request_decided',
      recipients: [req.requester_id, ...(names.accountEmail ? [{ email: names.accountEmail }] : [])],
      subject: { type: 'access_request', id: req.id },
      data: { requestId: req.id, ...names, decision },
      links: { ui: `/requests/${req.id}`, api: `/api/v1/access-requests/${req.id}` },
    });
  }

  /**
   * `grant_active`, `grant_expiring` or `grant_ended` for each grant, to its requester and its
   * beneficiary. `grant_expiring`'s period is the expiry in force (API.md), so it goes once per expiry;
   * its links lead to extending: the web app's access page, and the request route (a request for a
   * group the account holds a grant of extends that grant).
   */
  async grantsChanged(m: EntityManager, changes: GrantNotice[]): Promise<string[]> {
    if (changes.length === 0) return [];
    // Set-wise: a settlement moves hundreds of grants in one transaction, and a read per grant there
    // (four round trips each, on pool connections the worker's jobs also wait for) made activations
    // and expiries crawl.
    const unique = (ids: string[]) => [...new Set(ids)];
    const [requesters, groups, accounts] = await Promise.all([
      this.requests.getRequesterIds(unique(changes.map(({ g }) => g.request_id))),
      this.directory.groupsByIds(unique(changes.map(({ g }) => g.group_id))),
      this.directory.accountsByIds(unique(changes.map(({ g }) => g.account_id))),
    ]);
    const groupName = new Map(groups.map((x) => [x.id, x.name]));
    const accountEmail = new Map(accounts.map((x) => [x.id, x.email ?? '']));
    return this.notifications.notifyMany(
      m,
      changes.map(({ g, kind }) => {
        const requesterId = requesters.get(g.request_id);
        const names = {
          groupName: groupName.get(g.group_id) ?? g.group_id,
          accountEmail: accountEmail.get(g.account_id) ?? '',
        };
        return {
          kind,
          recipients: [
            ...(requesterId ? [requesterId] : []),
            ...(names.accountEmail ? [{ email: names.accountEmail }] : []),
          ],
          subject: { type: 'grant', id: g.id },
          period: kind === 'grant_expiring' ? (iso(g.expires_at) ?? '') : '',
          data: {
            grantId: g.id,
            groupId: g.group_id,
            accountId: g.account_id,
            ...names,
            expiresAt: iso(g.expires_at),
            endReason: g.end_reason ?? (g.status === 'failed' ? 'failed' : null),
          },
          links:
            kind === 'grant_expiring'
              ? { ui: '/access', api: '/api/v1/access-requests' }
              : { ui: '/access', api: `/api/v1/grants/${g.id}` },
        };
      }),
    );
  }
}
