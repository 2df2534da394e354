import { type Client } from 'pg';
import { type ApiClient, type EmulatorProcess, syncOnce } from './lib';

/** What bench:campaign measures of a delta launch after a full campaign closed certifying what it kept. */
export interface DeltaResult {
  churn: { fraction: number; added: number; removed: number };
  closeMs: number;
  certified: number;
  syncMs: number;
  /** Memberships now in the directory that the full campaign did not keep (as its items say). */
  expectedItems: number;
  /** Of those, the ones the full campaign revoked (remediation manual: still members). */
  revokedStillMembers: number;
  launch: { items: number; carried: number; wallMs: number };
  /** The same rows copied with nothing else done (no scan of the rest, no reviewer, no joins). */
  bareInsertSelect: { rows: number; wallMs: number };
  /** Only finding them: the anti-join of every membership with its valid certification, counted. */
  bareAntiJoin: { rows: number; wallMs: number };
  launchToBareRatio: number;
}

/**
 * After the full campaign (defaultDecision keep) is closed: `fraction` of the memberships change in
 * JumpCloud (the emulator's churn: half removed, half added), a sync reads them, and a delta campaign
 * over the same scope is launched. Its items must be exactly the memberships the full campaign did not
 * keep: the new ones, and the ones it revoked without removing them (autoRemediate off).
 */
export async function deltaAfterCertifiedCampaign(o: {
  client: ApiClient;
  db: Client;
  emu: EmulatorProcess;
  connectionId: string;
  fullCampaignId: string;
  createBody: Record<string, unknown>;
  fraction: number;
}): Promise<DeltaResult> {
  const { call, poll } = o.client;
  let started = Date.now();
  await call('POST', `/api/v1/campaigns/${o.fullCampaignId}/close`);
  await poll(`/api/v1/campaigns/${o.fullCampaignId}`, (r) => r.status === 'closed');
  const closeMs = Date.now() - started;
  const {
    rows: [{ certified }],
  } = await o.db.query<{ certified: number }>(
    `SELECT count(*)::int AS certified FROM certifications WHERE campaign_id = $1 AND ended_at IS NULL`,
    [o.fullCampaignId],
  );

  const churned = await fetch(`${o.emu.url}/__emulator/churn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fraction: o.fraction, seed: 7 }),
  });
  if (!churned.ok) throw new Error(`churn: ${churned.status}`);
  const churn = (await churned.json()) as { added: unknown[]; removed: unknown[] };
  started = Date.now();
  await syncOnce(o.client, o.connectionId);
  const syncMs = Date.now() - started;

  // What the delta must give, from the full campaign's items rather than from certifications.
  const {
    rows: [expected],
  } = await o.db.query<{ n: number; revoked: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE i.decision = 'revoke')::int AS revoked
     FROM directory_membership_view v
     LEFT JOIN review_items i ON i.campaign_id = $1 AND i.group_id = v.group_id AND i.account_id = v.account_id
       AND i.membership_since = v.since
     WHERE v.connection_id = $2 AND i.decision IS DISTINCT FROM 'keep'`,
    [o.fullCampaignId, o.connectionId],
  );

  const delta = await call('POST', '/api/v1/campaigns', {
    ...o.createBody,
    name: 'bench delta',
    mode: 'delta',
  });
  const deltaId = delta.id as string;
  started = Date.now();
  await call('POST', `/api/v1/campaigns/${deltaId}/launch`);
  const active = await poll(`/api/v1/campaigns/${deltaId}`, (r) => r.status === 'active');
  const launchMs = Date.now() - started;
  const progress = active.progress as { total: number; carried: number };

  // Floors: copying exactly the delta's rows, and finding them.
  await o.db.query(
    `CREATE TABLE bench_delta_pairs AS SELECT group_id, account_id FROM review_items WHERE campaign_id = $1`,
    [deltaId],
  );
  await o.db.query(`ANALYZE bench_delta_pairs`);
  await o.db.query(`CREATE TABLE bench_bare_items (LIKE review_items INCLUDING ALL)`);
  started = Date.now();
  const bare = await o.db.query(
    `INSERT INTO bench_bare_items (campaign_id, connection_id, account_id, group_id, account_email,
       account_display_name, account_kind, account_state, department, job_title, manager_account_id,
       is_administrator, group_name, membership_method, membership_since)
     SELECT $1, v.connection_id, v.account_id, v.group_id, v.email, v.display_name, v.kind, v.state, v.department,
       v.job_title, v.manager_account_id, false, v.group_name, v.membership_method, v.since
     FROM directory_membership_view v JOIN bench_delta_pairs p ON p.group_id = v.group_id AND p.account_id = v.account_id
     WHERE v.connection_id = $2`,
    [deltaId, o.connectionId],
  );
  const bareMs = Date.now() - started;
  started = Date.now();
  const {
    rows: [found],
  } = await o.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM directory_membership_view v
     LEFT JOIN certifications ce ON ce.group_id = v.group_id AND ce.account_id = v.account_id AND ce.ended_at IS NULL
       AND ce.membership_since = v.since AND ce.certified_until > now()
     WHERE v.connection_id = $1 AND ce.id IS NULL`,
    [o.connectionId],
  );
  const antiJoinMs = Date.now() - started;
  await o.db.query(`DROP TABLE bench_bare_items`);
  await o.db.query(`DROP TABLE bench_delta_pairs`);

  return {
    churn: { fraction: o.fraction, added: churn.added.length, removed: churn.removed.length },
    closeMs,
    certified,
    syncMs,
    expectedItems: expected.n,
    revokedStillMembers: expected.revoked,
    launch: { items: progress.total, carried: progress.carried, wallMs: launchMs },
    bareInsertSelect: { rows: bare.rowCount ?? 0, wallMs: bareMs },
    bareAntiJoin: { rows: found.n, wallMs: antiJoinMs },
    launchToBareRatio: Number((launchMs / Math.max(1, bareMs)).toFixed(2)),
  };
}
