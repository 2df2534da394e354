import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource, type EntityManager } from 'typeorm';
import { DIRECTORY_SYNC_COMPLETED, type DirectorySyncCompletedEvent } from '../directory/directory.events';
import { DirectoryService } from '../directory/directory.service';
import { type Actor } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { type Page } from '../platform/http/pagination';
import { CertificationsRepository } from './certifications.repository';
import { type CertificationResponse, toCertificationResponse } from './dto/certification.dto';

const DAY_MS = 86_400_000;

const untilFrom = (validDays: number): Date => new Date(Date.now() + validDays * DAY_MS);

/**
 * Certifications (API.md "Campaigns that run themselves"): a close certifies each kept membership for
 * the campaign's `certificationValidDays`; removing the membership (a review's removal, a sync that no
 * longer lists it) ends its certification. A delta launch carries the memberships still certified.
 */
@Injectable()
export class CertificationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly certifications: CertificationsRepository,
    private readonly directory: DirectoryService,
  ) {}

  async list(
    _actor: Actor,
    f: { accountId?: string; groupId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<CertificationResponse>> {
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.certifications.list(f, ks), toCertificationResponse);
  }

  /** In the close's transaction: every kept item. Returns how many memberships it certified. */
  certifyKept(m: EntityManager, campaignId: string, validDays: number): Promise<number> {
    return this.certifications.certifyKept(m, { campaignId }, untilFrom(validDays));
  }

  /**
   * A standing campaign has no close: its keeps certify when decided (API.md "a keep certifies"), for
   * the standing campaign's certificationValidDays, in the deciding transaction.
   */
  async certifyStandingKeeps(m: EntityManager, itemIds: string[], validDays: number): Promise<Date> {
    const until = untilFrom(validDays);
    if (itemIds.length > 0) await this.certifications.certifyKept(m, { itemIds }, until);
    return until;
  }

  /** A review's removal succeeded: the membership's certification ends with it (in the settling transaction). */
  endRemoved(m: EntityManager, pairs: { groupId: string; accountId: string }[]): Promise<number> {
    return this.certifications.endForMemberships(m, pairs);
  }

  /** A sync saw memberships removed (by jumpgate or outside): their certifications end. */
  @OnEvent(DIRECTORY_SYNC_COMPLETED, { async: true, promisify: true })
  async onSyncCompleted(e: DirectorySyncCompletedEvent): Promise<void> {
    if (e.membershipsRemoved === 0) return;
    const pairs = await this.directory.removedMembershipsForRun(e.runId);
    await this.dataSource.transaction((m) => this.certifications.endForMemberships(m, pairs));
  }
}
