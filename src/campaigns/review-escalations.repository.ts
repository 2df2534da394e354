import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type DatedCampaignRow } from './dto/campaign.mapper';

export interface EscalationMove {
  from_id: string;
  to_id: string;
  items: number;
}

/** The SQL of reminders and escalation: active campaigns' settings, pending reviewers, the reassignment. */
@Injectable()
export class ReviewEscalationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  // Standing campaigns have no due date: nothing to remind of or escalate.
  async listActive(): Promise<DatedCampaignRow[]> {
    return this.dataSource.query<DatedCampaignRow[]>(
      `SELECT * FROM campaigns WHERE status = 'active' AND kind = 'regular'`,
    );
  }

  /** The campaign still active, locked; null when it closed or another tick holds it. */
  async lockActive(m: EntityManager, id: string): Promise<DatedCampaignRow | null> {
    const [row] = await m.query<DatedCampaignRow[]>(
      `SELECT * FROM campaigns WHERE id = $1 AND status = 'active' AND kind = 'regular' FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return row ?? null;
  }

  async markEscalated(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE campaigns SET escalated_at = clock_timestamp() WHERE id = $1`, [id]);
  }

  /** Reviewers with pending items in the campaign, and their emails. */
  async pendingReviewers(campaignId: string): Promise<{ id: string; email: string }[]> {
    return this.dataSource.query(
      `SELECT p.id, p.email FROM principals p
       WHERE p.id IN (SELECT DISTINCT reviewer_id FROM review_items WHERE campaign_id = $1 AND status = 'pending')`,
      [campaignId],
    );
  }

  /**
   * Moves every pending item of each `from` reviewer to its `to` (the reviewer's manager), or, where
   * that is missing or is the member, to the first fallback that is neither the member nor the old
   * reviewer (rule 4); an item with nowhere to go stays. Returns the moves, counted per pair.
   */
  async reassignPending(
    m: EntityManager,
    campaignId: string,
    targets: { from: string; to: string | null; toEmail: string | null }[],
    fallbacks: { id: string; email: string }[],
  ): Promise<EscalationMove[]> {
    return m.query<EscalationMove[]>(
      `WITH t AS (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS t(from_id, to_id, to_email)),
       f AS (SELECT * FROM unnest($5::uuid[], $6::text[]) WITH ORDINALITY AS f(id, email, ord)),
       old AS (
         SELECT i.id, i.reviewer_id AS from_id,
                COALESCE(
                  CASE WHEN t.to_id IS NOT NULL AND t.to_id <> i.reviewer_id
                         AND lower(t.to_email) IS DISTINCT FROM lower(i.account_email) THEN t.to_id END,
                  (SELECT f.id FROM f WHERE f.id <> i.reviewer_id
                     AND lower(f.email) IS DISTINCT FROM lower(i.account_email) ORDER BY f.ord LIMIT 1)) AS to_id
         FROM review_items i JOIN t ON t.from_id = i.reviewer_id
         WHERE i.campaign_id = $1 AND i.status = 'pending'
         FOR UPDATE OF i
       ),
       moved AS (
         UPDATE review_items i SET reviewer_id = old.to_id FROM old
         WHERE i.id = old.id AND old.to_id IS NOT NULL
         RETURNING old.from_id, old.to_id
       )
       SELECT from_id, to_id, count(*)::int AS items FROM moved GROUP BY from_id, to_id ORDER BY from_id, to_id`,
      [
        campaignId,
        targets.map((x) => x.from),
        targets.map((x) => x.to),
        targets.map((x) => x.toEmail),
        fallbacks.map((x) => x.id),
        fallbacks.map((x) => x.email),
      ],
    );
  }
}
