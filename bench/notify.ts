import { type ChildProcess } from 'node:child_process';
import { type AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import {
  apiClient,
  cleanUp,
  createBenchConnection,
  flag,
  freePort,
  freshDatabase,
  randomToken,
  ratio,
  run,
  servicesEnv,
  spawnServer,
  startOrgEmulator,
  syncOnce,
  waitForHttp,
  writeResult,
} from './lib';

/**
 * `npm run bench:notify [-- --scale 1 | --reviewers 10000]`
 * Campaigns over a directory with one group per reviewer, dealt to `reviewers` principals (named
 * strategy, 1,000 reviewers a campaign: the API's cap), launched through the real server (APP_ROLE=all) with the default email channel pointed
 * at a local SMTP sink: one `campaign_assigned` digest per reviewer with items. Measures the wall time
 * from POST launch until the sink holds every digest, messages/s, and duplicates (a second message
 * for the same notification or the same reviewer: must be 0). Beside it, a bare loop sends the same
 * number of messages of the same size with nodemailer (same pooled transport options) to the same sink.
 */
interface Sink {
  url: string;
  messages: { to: string; notification: string }[];
  waitFor(n: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const messages: Sink['messages'] = [];
  let lastAt = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4096) head += c.toString('utf8');
      });
      stream.on('end', () => {
        const id = /X-Jumpgate-Notification: ([0-9a-f-]+)/i.exec(head)?.[1] ?? '';
        for (const r of session.envelope.rcptTo) messages.push({ to: r.address, notification: id });
        lastAt = Date.now();
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(n, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`sink holds ${messages.length} of ${n} messages`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return lastAt;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The same number of messages, of the digest's size, through a bare pooled nodemailer transport. */
async function bareLoop(url: string, n: number): Promise<number> {
  const transport = createTransport({ url, pool: true, maxConnections: 5 });
  const text = `${'You are a reviewer in the access review "bench".\n'.repeat(3)}Open: https://jumpgate.example/reviews\n`;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      transport.sendMail({
        from: 'jumpgate@bench.example',
        to: `bare-${i}@bench.example`,
        subject: `Access review "bench": 4 items to review by 2030-01-01 00:00 UTC`,
        text,
      }),
    ),
  );
  const ms = Date.now() - started;
  transport.close();
  return ms;
}

const NAMED_MAX = 1000;

async function main(): Promise<void> {
  const scale = flag('scale', 1);
  const reviewers = flag('reviewers', Math.round(10_000 * scale));
  const { databaseUrl: base, redisUrl } = servicesEnv();
  const databaseUrl = await freshDatabase(base, 'notify');
  // One group per reviewer, ~4 members each: nearly every reviewer gets items.
  const emu = await startOrgEmulator({
    seed: 11,
    users: reviewers * 2,
    groups: reviewers,
    membershipsPerUser: 2,
    admins: 5,
    apps: 5,
  });
  const sink = await startSink();
  const port = await freePort();
  const token = randomToken();
  let server: ChildProcess | null = null;
  const db = new Client({ connectionString: databaseUrl });
  try {
    server = spawnServer({
      databaseUrl,
      redisUrl,
      redisDb: 11,
      port,
      token,
      emu,
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: 'jumpgate@bench.example',
        PUBLIC_URL: 'https://jumpgate.example',
      },
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`);
    await db.connect();
    const client = apiClient(port, token);
    const connectionId = await createBenchConnection(client.call, emu);
    await syncOnce(client, connectionId);
    // Reviewers seeded set-wise (creating 10,000 principals over HTTP is not what is measured).
    const { rows: people } = await db.query<{ id: string }>(
      `INSERT INTO principals (email, display_name)
       SELECT 'bench-reviewer-' || i || '@bench.example', 'Reviewer ' || i FROM generate_series(1, $1) i
       RETURNING id`,
      [reviewers],
    );
    // The API takes at most 1,000 named reviewers a campaign: campaigns of 1,000 reviewers each, over
    // the same groups, launched together (one digest per reviewer and campaign).
    const campaignIds: string[] = [];
    for (let i = 0; i < people.length; i += NAMED_MAX) {
      const chunk = people.slice(i, i + NAMED_MAX);
      const campaign = await client.call('POST', '/api/v1/campaigns', {
        connectionId,
        name: `bench ${i / NAMED_MAX + 1}`,
        scope: {},
        reviewerStrategy: 'named',
        reviewerIds: chunk.map((p) => p.id),
        fallbackReviewerIds: [chunk[0].id],
        dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        defaultDecision: 'none',
        autoRemediate: false,
      });
      campaignIds.push(campaign.id as string);
    }
    const started = Date.now();
    for (const id of campaignIds) await client.call('POST', `/api/v1/campaigns/${id}/launch`);
    for (const id of campaignIds) await client.poll(`/api/v1/campaigns/${id}`, (r) => r.status === 'active');
    const launchMs = Date.now() - started;
    const { rows: expected } = await db.query<{ n: number; items: number }>(
      `SELECT count(DISTINCT (campaign_id, reviewer_id))::int AS n, count(*)::int AS items FROM review_items`,
    );
    const digests = expected[0].n;
    const lastAt = await sink.waitFor(digests, 30 * 60_000);
    const wallMs = lastAt - started;
    // Anything late would be a duplicate: give stragglers a moment before counting.
    await new Promise((r) => setTimeout(r, 3000));
    const received = sink.messages.length;
    const perNotification = new Set(sink.messages.map((m) => m.notification)).size;
    const perRecipient = new Set(sink.messages.map((m) => m.to)).size;
    const duplicates = received - Math.min(perNotification, perRecipient);
    const { rows: statuses } = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM notifications GROUP BY status ORDER BY status`,
    );

    const bareMs = await bareLoop(sink.url, digests);
    const perSecond = (n: number, ms: number) => Math.round((n / Math.max(ms, 1)) * 1000);
    const result = {
      benchmark: 'notify',
      scale: { reviewers, reviewersWithItems: digests, items: expected[0].items },
      machine: { cpus: cpus().length, node: process.version },
      launchMs,
      jumpgate: { messages: received, wallMs, messagesPerSecond: perSecond(digests, wallMs), duplicates },
      notifications: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
      bareNodemailer: { messages: digests, wallMs: bareMs, messagesPerSecond: perSecond(digests, bareMs) },
      ratio: ratio(wallMs, bareMs),
    };
    const md = [
      `| path | messages | wall s | messages/s | duplicates |`,
      `|---|---|---|---|---|`,
      `| jumpgate: POST launch → every digest in the SMTP sink (launch ${(launchMs / 1000).toFixed(1)} s of it) | ${received} | ${(wallMs / 1000).toFixed(1)} | ${result.jumpgate.messagesPerSecond} | ${duplicates} |`,
      `| bare nodemailer pooled loop, same sink | ${digests} | ${(bareMs / 1000).toFixed(1)} | ${result.bareNodemailer.messagesPerSecond} | — |`,
      ``,
      `ratio jumpgate / bare: ${result.ratio} (${reviewers} reviewers in ${campaignIds.length} campaigns, ${digests} with items, ${expected[0].items} items; ${cpus().length} cpus)`,
    ].join('\n');
    writeResult('notify', result, md);
    console.log(JSON.stringify(result));
    console.log(md);
    if (duplicates !== 0) throw new Error(`${duplicates} duplicate messages`);
  } finally {
    await db.end().catch(() => undefined);
    await sink.close();
    await cleanUp({ processes: [server, emu.child], databaseUrl });
  }
}

run(main);
