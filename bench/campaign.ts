import { type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { Client } from 'pg';
import {
  flag,
  peakRssMiB,
  rssMiB,
  waitForHttp,
  writeResult,
  spawnServer,
  apiClient,
  createBenchConnection,
  syncOnce,
  cleanUp,
  run,
  prepareBench,
} from './lib';
import { deltaAfterCertifiedCampaign } from './campaign-delta';

/**
 * `npm run bench:campaign [-- --scale 1] [--users 100000 --groups 10000 --memberships-per-user 10 --decisions 100000 --reviewers 20 --delta-fraction 0.01]`
 * Through the real server (one process, APP_ROLE=all) against the emulator: a full sync, then a
 * campaign over every membership launched (POST launch → status active), then `--decisions` decisions
 * applied through the bulk endpoint (1,000 a request, by the items' own reviewers). In the same run,
 * a bare `INSERT … SELECT` of the same rows from `directory_membership_view` into a copy of the
 * review_items table (same indexes and defaults, no assignment, no joins) gives the floor to compare.
 * Then report.csv is downloaded whole, with the server's RSS sampled before, during and after.
 * Last (campaign-delta.ts), the campaign closes (pending items take `keep`, certifying them),
 * `--delta-fraction` of the memberships change in the emulator, a sync reads them, and a delta campaign
 * is launched: its items must be exactly the memberships the full campaign did not keep.
 * `--scale` multiplies the users, groups and decisions (0.1: 100,000 memberships).
 */
const BULK = 1000;

async function main(): Promise<void> {
  const scale = flag('scale', 1);
  const users = flag('users', Math.round(100_000 * scale));
  const groups = flag('groups', Math.max(1, Math.round(10_000 * scale)));
  const perUser = flag('memberships-per-user', 10);
  const decisions = flag('decisions', Math.round(100_000 * scale));
  const deltaFraction = flag('delta-fraction', 0.01);
  const reviewerCount = flag('reviewers', 20);
  const { databaseUrl, redisUrl, emu, port, token } = await prepareBench('campaign', {
    users,
    groups,
    membershipsPerUser: perUser,
    admins: 50,
    apps: 50,
  });
  let server: ChildProcess | null = null;
  const db = new Client({ connectionString: databaseUrl });
  try {
    server = spawnServer({ databaseUrl, redisUrl, redisDb: 14, port, token, emu });
    await waitForHttp(`http://127.0.0.1:${port}/health`);
    await db.connect();
    const client = apiClient(port, token);
    const { call, poll } = client;

    const connectionId = await createBenchConnection(call, emu);
    let started = Date.now();
    await syncOnce(client, connectionId);
    const syncMs = Date.now() - started;

    const reviewers: { id: string; token: string }[] = [];
    for (let i = 0; i < reviewerCount; i++) {
      const p = await call('POST', '/api/v1/principals', { email: `bench-reviewer-${i}@example.com` });
      const t = await call('POST', `/api/v1/principals/${p.id as string}/tokens`, { name: 'bench' });
      reviewers.push({ id: p.id as string, token: t.token as string });
    }
    const createBody = {
      connectionId,
      name: 'bench',
      scope: {},
      reviewerStrategy: 'named',
      reviewerIds: reviewers.map((r) => r.id),
      fallbackReviewerIds: [reviewers[0].id],
      dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      // Keep: the close certifies every membership nobody revoked, for the delta launch after it.
      defaultDecision: 'keep',
      autoRemediate: false,
    };
    const campaign = await call('POST', '/api/v1/campaigns', createBody);
    const campaignId = campaign.id as string;
    started = Date.now();
    await call('POST', `/api/v1/campaigns/${campaignId}/launch`);
    const active = await poll(`/api/v1/campaigns/${campaignId}`, (r) => r.status === 'active');
    const launchMs = Date.now() - started;
    const items = (active.progress as { total: number }).total;

    // The floor: the same rows copied with nothing else done.
    await db.query(`CREATE TABLE bench_bare_items (LIKE review_items INCLUDING ALL)`);
    started = Date.now();
    const bare = await db.query(
      `INSERT INTO bench_bare_items (campaign_id, connection_id, account_id, group_id, account_email,
         account_display_name, account_kind, account_state, department, job_title, manager_account_id,
         is_administrator, group_name, membership_method, membership_since)
       SELECT $1, connection_id, account_id, group_id, email, display_name, kind, state, department, job_title,
         manager_account_id, false, group_name, membership_method, since
       FROM directory_membership_view WHERE connection_id = $2`,
      [campaignId, connectionId],
    );
    const bareMs = Date.now() - started;
    await db.query(`DROP TABLE bench_bare_items`);

    const { rows } = await db.query<{ id: string; reviewer_id: string }>(
      `SELECT id, reviewer_id FROM review_items WHERE campaign_id = $1 ORDER BY id LIMIT $2`,
      [campaignId, decisions],
    );
    const byReviewer = new Map<string, string[]>();
    for (const r of rows) {
      const list = byReviewer.get(r.reviewer_id) ?? [];
      list.push(r.id);
      byReviewer.set(r.reviewer_id, list);
    }
    started = Date.now();
    let applied = 0;
    let requests = 0;
    for (const rv of reviewers) {
      const ids = byReviewer.get(rv.id) ?? [];
      for (let i = 0; i < ids.length; i += BULK) {
        const res = await call(
          'POST',
          '/api/v1/reviews/decisions',
          {
            decisions: ids
              .slice(i, i + BULK)
              .map((itemId, j) =>
                (i + j) % 10 === 0
                  ? { itemId, decision: 'revoke', justification: 'bench: no longer needed' }
                  : { itemId, decision: 'keep' },
              ),
          },
          rv.token,
        );
        applied += res.applied as number;
        requests++;
      }
    }
    const decideMs = Date.now() - started;

    // report.csv: the server's memory before, during and after downloading every item's row. The
    // report streams, so the peak during the download should stay near the RSS before it (API.md).
    const pid = server.pid!;
    const report = {
      rssBeforeMiB: rssMiB(pid),
      peakBeforeMiB: peakRssMiB(pid),
      rssPeakDuringMiB: 0,
      rssAfterMiB: 0,
      peakAfterMiB: 0,
      bytes: 0,
      rows: 0,
      wallMs: 0,
    };
    started = Date.now();
    const sampler = setInterval(() => {
      report.rssPeakDuringMiB = Math.max(report.rssPeakDuringMiB, rssMiB(pid));
    }, 50);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/campaigns/${campaignId}/report.csv`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 200 || !res.body) throw new Error(`report.csv: ${res.status}`);
      // Read as a client would, without keeping it: bytes and newlines counted chunk by chunk.
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        report.bytes += chunk.length;
        for (const b of chunk) if (b === 10) report.rows++;
      }
    } finally {
      clearInterval(sampler);
    }
    report.wallMs = Date.now() - started;
    report.rssPeakDuringMiB = Math.max(report.rssPeakDuringMiB, rssMiB(pid));
    report.rssAfterMiB = rssMiB(pid);
    report.peakAfterMiB = peakRssMiB(pid);

    const delta = await deltaAfterCertifiedCampaign({
      client,
      db,
      emu,
      connectionId,
      fullCampaignId: campaignId,
      createBody,
      fraction: deltaFraction,
    });

    const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
    const result = {
      benchmark: 'campaign',
      scale: { users, groups, membershipsPerUser: perUser, reviewers: reviewerCount, decisions },
      machine: { cpus: cpus().length, node: process.version },
      syncMs,
      launch: { items, wallMs: launchMs, itemsPerSecond: perSecond(items, launchMs) },
      bareInsertSelect: {
        rows: bare.rowCount,
        wallMs: bareMs,
        rowsPerSecond: perSecond(bare.rowCount ?? 0, bareMs),
      },
      launchToBareRatio: Number((launchMs / bareMs).toFixed(2)),
      decisions: { applied, requests, wallMs: decideMs, decisionsPerSecond: perSecond(applied, decideMs) },
      report,
      delta,
      peakRssMiB: peakRssMiB(server.pid!),
    };
    const md = [
      `| step | rows | wall s | rows/s |`,
      `|---|---|---|---|`,
      `| campaign launch (POST launch → active) | ${items} | ${(launchMs / 1000).toFixed(1)} | ${result.launch.itemsPerSecond} |`,
      `| bare INSERT … SELECT of the same rows | ${bare.rowCount} | ${(bareMs / 1000).toFixed(1)} | ${result.bareInsertSelect.rowsPerSecond} |`,
      `| bulk decisions (${requests} requests of ≤ ${BULK}) | ${applied} | ${(decideMs / 1000).toFixed(1)} | ${result.decisions.decisionsPerSecond} |`,
      `| report.csv download (${report.rows - 1} items, ${(report.bytes / 1048576).toFixed(1)} MiB) | ${report.rows} | ${(report.wallMs / 1000).toFixed(1)} | ${perSecond(report.rows, report.wallMs)} |`,
      `| close, certifying the kept items | ${delta.certified} | ${(delta.closeMs / 1000).toFixed(1)} | ${perSecond(delta.certified, delta.closeMs)} |`,
      `| delta launch after ${deltaFraction * 100}% changed (${delta.launch.carried} carried) | ${delta.launch.items} | ${(delta.launch.wallMs / 1000).toFixed(1)} | ${perSecond(delta.launch.items, delta.launch.wallMs)} |`,
      `| bare INSERT … SELECT of the same changed rows | ${delta.bareInsertSelect.rows} | ${(delta.bareInsertSelect.wallMs / 1000).toFixed(2)} | ${perSecond(delta.bareInsertSelect.rows, delta.bareInsertSelect.wallMs)} |`,
      `| finding them: anti-join of every membership with its certification (count) | ${delta.bareAntiJoin.rows} | ${(delta.bareAntiJoin.wallMs / 1000).toFixed(2)} | |`,
      ``,
      `delta: churn added ${delta.churn.added} and removed ${delta.churn.removed} memberships; expected items ${delta.expectedItems} (of which ${delta.revokedStillMembers} revoked in the full campaign, still members: remediation manual); delta launch / bare ratio ${delta.launchToBareRatio}`,
      `report.csv server RSS: ${report.rssBeforeMiB} MiB before, ${report.rssPeakDuringMiB} MiB at most during, ${report.rssAfterMiB} MiB after; peak RSS (VmHWM) ${report.peakBeforeMiB} MiB before, ${report.peakAfterMiB} MiB after`,
      `launch / bare ratio: ${result.launchToBareRatio}; peak server RSS ${result.peakRssMiB} MiB; sync ${(syncMs / 1000).toFixed(1)} s`,
    ].join('\n');
    console.log(`\ncampaign benchmark: ${items} review items\n\n${md}\n`);
    console.log(`result: ${writeResult('campaign', result, md)}`);
    if (report.rows !== items + 1) {
      console.error(`FAILED: report.csv has ${report.rows} lines for ${items} items`);
      process.exitCode = 1;
    }
    if (delta.launch.items !== delta.expectedItems) {
      console.error(
        `FAILED: the delta launch made ${delta.launch.items} items, expected ${delta.expectedItems}`,
      );
      process.exitCode = 1;
    }
    if (applied !== rows.length) {
      console.error(`FAILED: ${rows.length - applied} decisions were rejected`);
      process.exitCode = 1;
    }
  } finally {
    await db.end().catch(() => undefined);
    // --keep-db: leave the database for a look at the plans (EXPLAIN) afterwards.
    await cleanUp({
      processes: [server, emu.child],
      databaseUrl,
      keepDatabase: process.argv.includes('--keep-db'),
    });
  }
}

run(main);
