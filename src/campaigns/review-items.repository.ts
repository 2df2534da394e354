import { Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { affected, returned } from '../platform/database/sql';
import { cursorKey, type Keyset } from '../platform/database/keyset';
import { type CursorPosition } from '../platform/http/pagination';
import { type Decision, type DefaultDecision, type ItemStatus, type Remediation } from './dto/campaign.dto';
import { type ItemResponseRow, type ItemRow, type ReportRow } from './dto/campaign.mapper';

// SQL for one JSON value of a review item column: strings escaped by Postgres, NULL as `null`.
const jsonOf = (col: string): string => `coalesce(to_json(i.${col})::text, 'null')`;
// A timestamptz as toISOString() writes it (to_char's MS truncates, as Date does); `col` is qualified.
const jsonTimeOfExpr = (col: string): string =>
  `coalesce('"' || to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')`;
const jsonTimeOf = (col: string): string => jsonTimeOfExpr(`i.${col}`);

// The account's live last sign-in, and its last sign-in per application id (a JSON object), from
// directory's read-only `directory_sign_in_view`: an index lookup each, for the item aliased `i`.
const LIVE_LAST_SIGN_IN = `(SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v
     WHERE v.account_id = i.account_id)`;
const LIVE_APPLICATION_SIGN_INS = `(SELECT jsonb_object_agg(x.application_id, x.at) FROM (SELECT v.application_id,
     max(v.last_sign_in_at) AS at FROM directory_sign_in_view v
     WHERE v.account_id = i.account_id AND v.application_id IS NOT NULL GROUP BY v.application_id) x)`;

/** The account's live sign-in activity beside an item, for toReviewItemResponse, inside the listing's statement. */
export const ITEM_ACTIVITY_COLUMNS = `${LIVE_LAST_SIGN_IN} AS account_last_sign_in_at,
   ${LIVE_APPLICATION_SIGN_INS} AS application_sign_ins`;

/**
 * The activity as it was frozen on the item (at its decision, or at close for an undecided one), under
 * the same names: what a closed campaign's evidence says its reviewer saw, however sign-ins go on.
 */
export const FROZEN_ITEM_ACTIVITY_COLUMNS = `i.frozen_last_sign_in_at AS account_last_sign_in_at,
   i.frozen_application_sign_ins AS application_sign_ins`;

/** SET clauses that freeze the item's live activity onto it (the item aliased `i`). */
const FREEZE_ACTIVITY = `activity_frozen_at = statement_timestamp(),
   frozen_last_sign_in_at = ${LIVE_LAST_SIGN_IN}, frozen_application_sign_ins = ${LIVE_APPLICATION_SIGN_INS}`;

/** The same for REVIEW_ITEM_JSON: the item's applications, each with its last sign-in, as JSON text. */
const APPLICATIONS_JSON = `'[' || coalesce((SELECT string_agg('{"id":' || (x.e->'id')::text || ',"name":' ||
     (x.e->'name')::text || ',"lastSignInAt":' || ${jsonTimeOfExpr('s.at')} || '}', ',' ORDER BY x.ord)
   FROM jsonb_array_elements(i.applications) WITH ORDINALITY AS x(e, ord)
   LEFT JOIN LATERAL (SELECT max(v.last_sign_in_at) AS at FROM directory_sign_in_view v
     WHERE v.account_id = i.account_id AND v.application_id = (x.e->>'id')::uuid) s ON true), '') || ']'`;

/** The item's campaign as API.md's `campaign: {id, name, dueAt}`, from `campaigns c` joined on the item. */
const CAMPAIGN_COLUMNS = 'c.name AS campaign_name, c.due_at AS campaign_due_at';

/**
 * toReviewItemResponse as one SQL expression giving the item's JSON text, the same fields in the same
 * order, for the hot /reviews route: Postgres writes it, so the server reads one column per row instead
 * of thirty and builds no strings of its own (a spec checks that both give equal items). Ids are UUIDs
 * and need no escaping.
 */
const REVIEW_ITEM_JSON = [
  `'{"id":"' || i.id || '","campaignId":"' || i.campaign_id || '"'`,
  `',"campaign":{"id":"' || c.id || '","name":' || to_json(c.name)::text || ',"dueAt":' || ${jsonTimeOfExpr('c.due_at')} || '}'`,
  `',"account":{"id":"' || i.account_id || '","email":' || ${jsonOf('account_email')}`,
  `',"displayName":' || ${jsonOf('account_display_name')} || ',"kind":' || ${jsonOf('account_kind')}`,
  `',"state":' || ${jsonOf('account_state')} || ',"department":' || ${jsonOf('department')}`,
  `',"jobTitle":' || ${jsonOf('job_title')} || ',"manager":' || CASE WHEN i.manager_account_id IS NULL
     THEN 'null' ELSE '{"id":"' || i.manager_account_id || '","displayName":' ||
     ${jsonOf('manager_display_name')} || '}' END`,
  `',"isAdministrator":' || i.is_administrator::text || ',"mfaConfigured":' || ${jsonOf('mfa_configured')}`,
  `',"adminRoles":' || to_json(coalesce(i.admin_roles, '{}'))::text`,
  `',"lastSignInAt":' || ${jsonTimeOfExpr('(SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v WHERE v.account_id = i.account_id)')} || '}'`,
  `',"group":' || CASE WHEN i.group_id IS NULL THEN 'null' ELSE '{"id":"' || i.group_id || '","name":' || ${jsonOf('group_name')}`,
  `',"membershipMethod":' || ${jsonOf('membership_method')} || ',"applications":' || ${APPLICATIONS_JSON} || '}' END`,
  `',"membershipSince":' || ${jsonTimeOf('membership_since')} || ',"grantId":' || ${jsonOf('grant_id')}`,
  `',"reviewerId":' || ${jsonOf('reviewer_id')} || ',"status":' || ${jsonOf('status')}`,
  `',"decision":' || ${jsonOf('decision')} || ',"justification":' || ${jsonOf('justification')}`,
  `',"decidedBy":' || ${jsonOf('decided_by')} || ',"decidedAt":' || ${jsonTimeOf('decided_at')}`,
  `',"override":' || i.override::text || ',"remediation":' || ${jsonOf('remediation')}`,
  `',"remediatedAt":' || ${jsonTimeOf('remediated_at')} || ',"remediationNote":' || ${jsonOf('remediation_note')}`,
  `',"recommendation":' || CASE
     WHEN coalesce(i.recommendation, '') = '' OR coalesce(i.recommendation_reason, '') = '' THEN 'null'
     ELSE '{"value":' || to_json(i.recommendation)::text || ',"reason":' ||
     to_json(i.recommendation_reason)::text || '}' END`,
  `',"certifiedUntil":' || ${jsonTimeOf('certified_until')} || ',"createdAt":' || ${jsonTimeOf('created_at')} || '}'`,
].join(' || ');

/** The filters of `GET /campaigns/{id}/items`. */
export interface ItemFilter {
  status?: ItemStatus;
  reviewerId?: string;
  decision?: Decision;
  remediation?: Remediation;
}

/** One decision to write, with the item as it was locked. */
export interface DecisionWrite {
  item: ItemRow;
  decision: Decision;
  justification: string | null;
  override: boolean;
}

/** The outcome of one removal, as provisioning reports it. */
export interface RemovalOutcome {
  sourceId: string;
  operationId: string;
  status: string;
  completedAt: string;
}

/**
 * The SQL of `review_items` (the launch snapshot is LaunchItemsRepository's): listings (the reviewer's as prepared
 * statements writing JSON), decisions, close and the remediation bookkeeping.
 */
@Injectable()
export class ReviewItemsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private db(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  // ---------------------------------------------------------------- listings

  /** One page (limit + 1 rows) of a campaign's items in creation order, each with its cursor key `ck`. */
  async listForCampaign(campaignId: string, f: ItemFilter, ks: Keyset): Promise<ItemResponseRow[]> {
    return this.db().query<ItemResponseRow[]>(
      `SELECT i.*, ${CAMPAIGN_COLUMNS}, ${ITEM_ACTIVITY_COLUMNS}, ${cursorKey('i.created_at')} AS ck
       FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.campaign_id = $1 AND ($2::text IS NULL OR i.status = $2)
         AND ($3::uuid IS NULL OR i.reviewer_id = $3) AND ($4::text IS NULL OR i.decision = $4)
         AND ($5::text IS NULL OR i.remediation = $5)
         AND ${ks.after(6, { key: 'i.created_at', id: 'i.id' })}
       ORDER BY i.created_at, i.id LIMIT $8`,
      [
        campaignId,
        f.status ?? null,
        f.reviewerId ?? null,
        f.decision ?? null,
        f.remediation ?? null,
        ...ks.params,
      ],
    );
  }

  /**
   * One page (limit + 1 rows) of the reviewer's items across launched campaigns, as [item JSON
   * (REVIEW_ITEM_JSON), id, cursor key].
   */
  async openItemsForReviewerAsJson(
    reviewerId: string,
    status: 'pending' | 'decided' | null,
    limit: number,
    after: CursorPosition | null,
  ): Promise<[json: string, id: string, ck: string][]> {
    // Named statements, one per shape, so that each pooled connection plans them once: planning cost
    // more than running them. Without an `IS NULL OR` the cursor is an index condition in either plan.
    return this.preparedRows<[json: string, id: string, ck: string]>(
      after ? 'campaigns.reviews.after' : 'campaigns.reviews.first',
      `SELECT ${REVIEW_ITEM_JSON}, i.id, ${cursorKey('i.created_at')} FROM review_items i
       JOIN campaigns c ON c.id = i.campaign_id AND c.status IN ('active', 'closing', 'closed')
       WHERE i.reviewer_id = $1 AND ($2::text IS NULL OR i.status = $2)
         ${after ? 'AND (i.created_at, i.id) > ($4::timestamptz, $5::uuid)' : ''}
       ORDER BY i.created_at, i.id LIMIT $3`,
      after ? [reviewerId, status, limit + 1, after.k, after.id] : [reviewerId, status, limit + 1],
    );
  }

  /**
   * A named (prepared) statement on TypeORM's own pool, rows as arrays: Postgres parses and plans it
   * once per connection instead of on every call, as dataSource.query (unnamed statements) does.
   */
  private async preparedRows<R extends unknown[]>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    return (await pool.query<R>({ name, text, values, rowMode: 'array' })).rows;
  }

  /** The report's next batch of a campaign's items in creation order, after `after` (no `limit + 1`). */
  async reportBatch(campaignId: string, after: CursorPosition, limit: number): Promise<ReportRow[]> {
    return this.db().query<ReportRow[]>(
      `SELECT id, ${cursorKey('created_at')} AS ck, account_email, account_display_name, group_name,
              applications, reviewer_id, status, decision, justification, decided_by, decided_at, override,
              remediation, remediated_at, certified_until
       FROM review_items
       WHERE campaign_id = $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
       ORDER BY created_at, id LIMIT ${limit}`,
      [campaignId, after.k, after.id],
    );
  }

  // ---------------------------------------------------------------- decisions

  /** The items with their campaign's status, locked (in id order, so concurrent calls cannot deadlock). */
  async lockWithCampaign(m: EntityManager, ids: string[]): Promise<Map<string, ItemResponseRow>> {
    const rows = await m.query<ItemResponseRow[]>(
      `SELECT i.*, c.status AS campaign_status, c.kind AS campaign_kind, ${CAMPAIGN_COLUMNS}, ${ITEM_ACTIVITY_COLUMNS}
       FROM review_items i JOIN campaigns c ON c.id = i.campaign_id
       WHERE i.id = ANY($1::uuid[]) ORDER BY i.id FOR UPDATE OF i`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Writes the decisions set-wise (one statement however many). */
  async applyDecisions(
    m: EntityManager,
    decidedBy: string | null,
    decisions: DecisionWrite[],
  ): Promise<ItemResponseRow[]> {
    return returned<ItemResponseRow>(
      await m.query(
        `UPDATE review_items i SET status = 'decided', decision = u.decision, justification = u.justification,
           decided_by = $5::uuid, decided_at = now(), override = u.override,
           -- What the reviewer saw when deciding (a later decision of the same item takes it again).
           ${FREEZE_ACTIVITY}
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) AS u(id, decision, justification, override),
           campaigns c
         WHERE i.id = u.id AND c.id = i.campaign_id RETURNING i.*, ${CAMPAIGN_COLUMNS}, ${ITEM_ACTIVITY_COLUMNS}`,
        [
          decisions.map((d) => d.item.id),
          decisions.map((d) => d.decision),
          decisions.map((d) => d.justification),
          decisions.map((d) => d.override),
          decidedBy,
        ],
      ),
    );
  }

  async setReviewer(m: EntityManager, itemId: string, reviewerId: string): Promise<ItemResponseRow> {
    const [updated] = returned<ItemResponseRow>(
      await m.query(
        `UPDATE review_items i SET reviewer_id = $2 FROM campaigns c
         WHERE i.id = $1 AND c.id = i.campaign_id RETURNING i.*, ${CAMPAIGN_COLUMNS}, ${ITEM_ACTIVITY_COLUMNS}`,
        [itemId, reviewerId],
      ),
    );
    return updated;
  }

  // ---------------------------------------------------------------- close

  /**
   * Pending items take the default decision (`none`: expired), and their activity is frozen as the
   * close found it, in the same write (every other item was frozen at its decision, or by migration
   * 1764000015210). Returns how many did.
   */
  async applyDefaultDecision(
    m: EntityManager,
    campaignId: string,
    decision: DefaultDecision,
  ): Promise<number> {
    return affected(
      await m.query(
        // The activity set-wise, once per account (an account has an item per group): per-item lookups
        // made a close of 20,000 items several times slower.
        `WITH acc AS (SELECT DISTINCT account_id FROM review_items WHERE campaign_id = $1 AND status = 'pending'),
         seen AS (SELECT v.account_id, v.application_id, max(v.last_sign_in_at) AS at
           FROM directory_sign_in_view v JOIN acc ON acc.account_id = v.account_id
           GROUP BY v.account_id, v.application_id),
         activity AS (SELECT account_id, max(at) AS last_at,
             jsonb_object_agg(application_id, at) FILTER (WHERE application_id IS NOT NULL) AS apps
           FROM seen GROUP BY account_id)
         UPDATE review_items i SET
           status = CASE WHEN $2 = 'none' THEN 'expired' ELSE 'decided' END,
           decision = CASE WHEN $2 = 'none' THEN NULL ELSE $2 END,
           justification = CASE WHEN $2 = 'none' THEN NULL ELSE 'Default decision at close' END,
           decided_at = CASE WHEN $2 = 'none' THEN NULL ELSE statement_timestamp() END,
           activity_frozen_at = statement_timestamp(), frozen_last_sign_in_at = a.last_at,
           frozen_application_sign_ins = a.apps
         FROM acc LEFT JOIN activity a ON a.account_id = acc.account_id
         WHERE i.campaign_id = $1 AND i.status = 'pending' AND i.account_id = acc.account_id`,
        [campaignId, decision],
      ),
    );
  }

  /**
   * The next batch of removals (revoke and convert_to_jit) with no remediation yet
   * (setRemediationPending takes them out).
   */
  async revokesWithoutRemediation(
    m: EntityManager,
    campaignId: string,
    limit: number,
  ): Promise<
    { id: string; account_id: string; group_id: string; grant_id: string | null; decision: Decision }[]
  > {
    // group_id IS NOT NULL: an administrator account (no group) is never changed by jumpgate.
    return m.query(
      `SELECT id, account_id, group_id, grant_id, decision FROM review_items
       WHERE campaign_id = $1 AND status = 'decided' AND decision IN ('revoke', 'convert_to_jit')
         AND remediation = 'none' AND group_id IS NOT NULL
       ORDER BY id LIMIT $2`,
      [campaignId, limit],
    );
  }

  async setRemediationPending(m: EntityManager, itemIds: string[], operationIds: string[]): Promise<void> {
    await m.query(
      `UPDATE review_items i SET remediation = 'pending', operation_id = u.op
       FROM unnest($1::uuid[], $2::uuid[]) AS u(id, op) WHERE i.id = u.id`,
      [itemIds, operationIds],
    );
  }

  async setRemediationManual(m: EntityManager, campaignId: string): Promise<void> {
    await m.query(
      `UPDATE review_items SET remediation = 'manual'
       WHERE campaign_id = $1 AND status = 'decided' AND decision IN ('revoke', 'convert_to_jit')`,
      [campaignId],
    );
  }

  /** The campaign's convert_to_jit decisions (few: each names a requestable group). */
  async convertedItems(
    m: EntityManager,
    campaignId: string,
  ): Promise<{ id: string; account_id: string; group_id: string }[]> {
    return m.query(
      `SELECT id, account_id, group_id FROM review_items
       WHERE campaign_id = $1 AND status = 'decided' AND decision = 'convert_to_jit' AND group_id IS NOT NULL
       ORDER BY id`,
      [campaignId],
    );
  }

  // ---------------------------------------------------------------- remediation

  /**
   * Applies a removal's outcome to its item: failed and manual settle it; success records when the
   * removal applied and waits for a confirming sync. Returns the item, or nothing when it already had it.
   */
  async applyRemovalOutcome(m: EntityManager, e: RemovalOutcome): Promise<ItemRow | undefined> {
    // removal_applied_at IS NULL: an outcome is applied once (a retried settlement may offer it again).
    const [item] = returned<ItemRow>(
      await m.query(
        `UPDATE review_items SET
           remediation = CASE WHEN $2 = 'succeeded' THEN remediation ELSE $2 END,
           removal_applied_at = CASE WHEN $2 = 'succeeded' THEN $3::timestamptz ELSE NULL END,
           remediated_at = CASE WHEN $2 = 'succeeded' THEN NULL ELSE $3::timestamptz END
         WHERE id = $1 AND operation_id = $4 AND remediation = 'pending' AND removal_applied_at IS NULL
         RETURNING *`,
        [e.sourceId, e.status, e.completedAt, e.operationId],
      ),
    );
    return item;
  }

  /** The sync no longer lists these memberships: their removals are done as of when they applied. */
  async markRemediationDone(m: EntityManager, ids: string[]): Promise<void> {
    await m.query(
      `UPDATE review_items SET remediation = 'done', remediated_at = removal_applied_at
       WHERE id = ANY($1::uuid[]) AND remediation = 'pending'`,
      [ids],
    );
  }

  async markRemediationFailed(m: EntityManager, ids: string[]): Promise<void> {
    await m.query(
      `UPDATE review_items SET remediation = 'failed' WHERE id = ANY($1::uuid[]) AND remediation = 'pending'`,
      [ids],
    );
  }
}
