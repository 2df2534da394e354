import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client } from 'pg';
import { ZipFile } from 'yazl';
import { type Checkpoint, checkpointSignatureValid } from '../../src/audit/audit-checkpoint';
import { type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec, type UserRec } from '../../src/emulator/store';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign, waitForCampaign } from '../helpers/campaigns';
import { syncNow } from '../helpers/jumpcloud';
import {
  groupMembers,
  localId,
  staticGroups,
  startEmulatedOrg,
  stopEmulatedOrg,
  untilActivityRead,
} from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import { unzip } from '../helpers/zip';

const DATA_FILES = ['report.csv', 'campaign.json', 'items.ndjson', 'audit-events.ndjson', 'checkpoint.json'];

function zipOf(files: Map<string, Buffer>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [name, bytes] of files) z.addBuffer(bytes, name);
  z.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

/**
 * What an auditor checks with the public key alone: the signature over manifest.json's exact bytes,
 * every listed file's hash and size, and that the manifest lists every other file. The reason it fails.
 */
function verifyBundle(files: Map<string, Buffer>, publicKeyPem: string): string | null {
  const manifestBytes = files.get('manifest.json');
  const sig = files.get('manifest.sig');
  if (!manifestBytes || !sig) return 'no manifest';
  if (!verify(null, manifestBytes, createPublicKey(publicKeyPem), Buffer.from(sig.toString(), 'base64'))) {
    return 'signature';
  }
  const manifest = JSON.parse(manifestBytes.toString()) as {
    files: { name: string; sha256: string; bytes: number }[];
  };
  const listed = manifest.files.map((f) => f.name).sort();
  const present = [...files.keys()].filter((n) => n !== 'manifest.json' && n !== 'manifest.sig').sort();
  if (JSON.stringify(listed) !== JSON.stringify(present)) return 'file list';
  for (const f of manifest.files) {
    const bytes = files.get(f.name)!;
    if (bytes.length !== f.bytes) return `${f.name} size`;
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256) return `${f.name} hash`;
  }
  return null;
}

/**
 * Runs a bash script without blocking the event loop: the server answering its curl runs in this
 * process (spawnSync would wait for a reply the server could never send).
 */
function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The documented verification commands (docs/evidence.md), exactly as written there. */
function documentedScript(): string {
  const doc = readFileSync(join(__dirname, '../../docs/evidence.md'), 'utf8');
  const block = doc.split('<!-- evidence-verify:start')[1].split('<!-- evidence-verify:end')[0];
  return block.split('```bash\n')[1].split('```')[0];
}

const hasTools = ['openssl', 'jq', 'unzip', 'sha256sum', 'curl'].every(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
);

/** API.md `GET /campaigns/{id}/evidence`: a closed campaign's signed bundle, verified offline. */
describe('campaign evidence bundle', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let reviewer: TestPrincipal;
  let campaignId: string;
  let zip: Buffer;
  let files: Map<string, Buffer>;
  let publicKeyPem: string;
  let keyId: string;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 777,
      sizes: { users: 30, groups: 8, membershipsPerUser: 3, admins: 1, apps: 3 },
    }));
    // The seeded sign-ins are read before the campaign, so what reviewers see is what the directory knows.
    await untilActivityRead(db, connectionId);
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    reviewer = await createPrincipal(t, { displayName: 'The Reviewer' });
    const groups = staticGroups(emu, 3).slice(0, 2);
    const groupIds = await Promise.all(
      groups.map((g) => localId(db, connectionId, 'directory_groups', g.id)),
    );
    const campaign = await launchCampaign(
      t,
      admin,
      auditor,
      campaignBody(connectionId, admin.id, {
        scope: { groupIds },
        reviewerIds: [reviewer.id],
        name: '=Evidence Q1',
      }),
    );
    campaignId = campaign.id;

    // Before the close there is no evidence: 409, and nothing is sent but the error.
    const early = await t.request('GET', `/api/v1/campaigns/${campaignId}/evidence`, {
      token: auditor.token,
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_state');
    expect(early.headers.get('content-type')).toContain('application/json');

    const items = await campaignItems(t, auditor.token, campaignId);
    const mine = items.filter((i) => i.reviewerId === reviewer.id);
    expect(mine.length).toBeGreaterThan(2);
    const decided = await t.request('POST', '/api/v1/reviews/decisions', {
      token: reviewer.token,
      body: {
        decisions: [
          { itemId: mine[0].id, decision: 'keep' },
          { itemId: mine[1].id, decision: 'revoke', justification: 'Left the team' },
        ],
      },
    });
    expect(decided.body.applied).toBe(2);
    expect(
      (await t.request('POST', `/api/v1/campaigns/${campaignId}/close`, { token: admin.token })).status,
    ).toBe(202);
    await waitForCampaign(t, auditor.token, campaignId, 'closed');

    const key = await t.request('GET', '/api/v1/audit-events/public-key', { token: auditor.token });
    ({ publicKeyPem, keyId } = key.body as { publicKeyPem: string; keyId: string });
    const res = await fetch(`${t.url}/api/v1/campaigns/${campaignId}/evidence`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('attachment');
    zip = Buffer.from(await res.arrayBuffer());
    files = await unzip(zip);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('holds exactly the seven files, and verifies with the public key alone', () => {
    expect([...files.keys()].sort()).toEqual([...DATA_FILES, 'manifest.json', 'manifest.sig'].sort());
    expect(verifyBundle(files, publicKeyPem)).toBeNull();
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual({
      campaignId,
      files: DATA_FILES.map((name) => ({
        name,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        bytes: expect.any(Number),
      })),
      createdAt: expect.any(String),
      keyId,
    });
  });

  it.each([...DATA_FILES, 'manifest.json'])('changing one byte of %s breaks verification', (name) => {
    const tampered = new Map(files);
    const bytes = Buffer.from(files.get(name)!);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at] ^ 0x01;
    tampered.set(name, bytes);
    expect(verifyBundle(tampered, publicKeyPem)).not.toBeNull();
  });

  it('a signature by another key does not verify', () => {
    const other = execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519']).toString();
    const otherPublic = createPublicKey(other).export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyBundle(files, otherPublic)).toBe('signature');
  });

  it('report.csv is the report route, byte for byte, with the applications column', async () => {
    const report = await t.request('GET', `/api/v1/campaigns/${campaignId}/report.csv`, {
      token: auditor.token,
    });
    expect(files.get('report.csv')!.toString()).toBe(report.text);
    expect(report.text.split('\n')[0]).toContain('applications');
    // The formula-looking campaign name is escaped there too.
    expect(report.text.split('\n')[1].startsWith("'=Evidence Q1")).toBe(true);
  });

  it('items.ndjson is every item as the API gives it; campaign.json the campaign with its reviewers', async () => {
    const items = await campaignItems(t, auditor.token, campaignId);
    const lines = files
      .get('items.ndjson')!
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ReviewItemResponse);
    expect(lines).toEqual(items);
    expect(lines.some((i) => i.decision === 'revoke' && i.justification === 'Left the team')).toBe(true);

    const campaign = JSON.parse(files.get('campaign.json')!.toString());
    const api = (await t.request('GET', `/api/v1/campaigns/${campaignId}`, { token: auditor.token })).body;
    const { reviewers, ...rest } = campaign;
    expect(rest).toEqual(api);
    expect(rest).toMatchObject({
      status: 'closed',
      scope: { groupIds: expect.any(Array) },
      progress: expect.any(Object),
    });
    expect(reviewers).toContainEqual(
      expect.objectContaining({
        id: reviewer.id,
        email: reviewer.email,
        displayName: 'The Reviewer',
        kept: 1,
        revoked: 1,
      }),
    );
  });

  it('audit-events.ndjson holds every event of the campaign and its items up to the checkpoint, which was taken after the close', async () => {
    const checkpoint = JSON.parse(files.get('checkpoint.json')!.toString()) as Checkpoint;
    expect(checkpoint.keyId).toBe(keyId);
    expect(checkpointSignatureValid(createPublicKey(publicKeyPem), checkpoint)).toBe(true);
    const campaign = (await t.request('GET', `/api/v1/campaigns/${campaignId}`, { token: auditor.token }))
      .body;
    expect(new Date(checkpoint.at).getTime()).toBeGreaterThanOrEqual(new Date(campaign.closedAt).getTime());

    // The whole log through the checkpoint's head, from the API, filtered as the bundle says.
    const all: { id: string; action: string; targetId: string | null; data: Record<string, unknown> }[] = [];
    for (let cursor: string | null = null; ;) {
      const page: { body: { items: typeof all; nextCursor: string | null } } = await t.request(
        'GET',
        `/api/v1/audit-events?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        {
          token: auditor.token,
        },
      );
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    const through = all.slice(0, all.findIndex((e) => e.id === checkpoint.headId) + 1);
    expect(through).toHaveLength(checkpoint.count);
    const expected = through.filter((e) => e.targetId === campaignId || e.data.campaignId === campaignId);
    const bundled = files
      .get('audit-events.ndjson')!
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(bundled).toEqual(expected);
    expect(bundled.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'campaign.created',
        'campaign.launched',
        'campaign.item.decided',
        'campaign.closed',
      ]),
    );
  });

  it('what the close froze is the activity the directory held: per account and per application, for every item', async () => {
    // Nothing signed in since the close: the frozen columns equal today's, computed as the live routes do.
    const { rows } = await db.query<{ items: number; differ: number; withApps: number; withLast: number }>(
      `SELECT count(*)::int AS items,
         count(*) FILTER (WHERE i.activity_frozen_at IS NULL
           OR i.frozen_last_sign_in_at IS DISTINCT FROM (SELECT max(v.last_sign_in_at) FROM directory_sign_in_view v
                WHERE v.account_id = i.account_id)
           OR i.frozen_application_sign_ins IS DISTINCT FROM (SELECT jsonb_object_agg(x.application_id, x.at)
                FROM (SELECT v.application_id, max(v.last_sign_in_at) AS at FROM directory_sign_in_view v
                      WHERE v.account_id = i.account_id AND v.application_id IS NOT NULL GROUP BY v.application_id) x)
         )::int AS differ,
         count(*) FILTER (WHERE i.frozen_application_sign_ins IS NOT NULL)::int AS "withApps",
         count(*) FILTER (WHERE i.frozen_last_sign_in_at IS NOT NULL)::int AS "withLast"
       FROM review_items i WHERE i.campaign_id = $1`,
      [campaignId],
    );
    expect(rows[0].differ).toBe(0);
    // Not vacuous: seeded sign-ins reach the portal and applications.
    expect(rows[0].withApps).toBeGreaterThan(0);
    expect(rows[0].withLast).toBeGreaterThan(0);
    expect(rows[0].items).toBeGreaterThan(rows[0].withApps);
  });

  it('a sign-in after the close changes the live item, not the evidence: two downloads give the same items.ndjson', async () => {
    const download = async (): Promise<Map<string, Buffer>> => {
      const res = await fetch(`${t.url}/api/v1/campaigns/${campaignId}/evidence`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      });
      expect(res.status).toBe(200);
      const bundle = await unzip(Buffer.from(await res.arrayBuffer()));
      expect(verifyBundle(bundle, publicKeyPem)).toBeNull();
      return bundle;
    };
    // The close's removal is confirmed by a sync (remediation `done`): a real change, made before the first download.
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      () => campaignItems(t, auditor.token, campaignId),
      (items) => !items.some((i) => i.remediation === 'pending'),
      () => 'the revoke was not confirmed',
    );
    const first = await download();
    const items = first.get('items.ndjson')!.toString().trimEnd().split('\n');
    const item = items
      .map((l) => JSON.parse(l) as ReviewItemResponse)
      .find((i) => i.account.kind === 'user')!;
    const [{ ext }] = (
      await db.query<{ ext: string }>(`SELECT external_id AS ext FROM directory_accounts WHERE id = $1`, [
        item.account.id,
      ])
    ).rows;
    const at = new Date(Date.now() - 1000);
    // A user-portal sign-in, through the emulator's control API.
    const signedIn = await fetch(`${emu.url}/__emulator/users/${ext}/sign-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ at: at.toISOString() }),
    });
    expect(signedIn.status).toBe(200);
    // A sync, then the activity read that follows it, brings the sign-in in: the live routes show it.
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      async () =>
        (await t.request('GET', `/api/v1/accounts/${item.account.id}/activity`, { token: auditor.token }))
          .body as { lastSignInAt: string | null },
      (a) => a.lastSignInAt === at.toISOString(),
      (a) => `the activity read did not bring the sign-in in: ${JSON.stringify(a)}`,
    );
    expect(item.account.lastSignInAt).not.toBe(at.toISOString());
    const live = (await campaignItems(t, auditor.token, campaignId)).find((i) => i.id === item.id)!;
    expect(live.account.lastSignInAt).toBe(at.toISOString());

    const second = await download();
    expect(second.get('items.ndjson')!.equals(first.get('items.ndjson')!)).toBe(true);
    expect(second.get('report.csv')!.equals(first.get('report.csv')!)).toBe(true);
    const hashes = (f: Map<string, Buffer>) =>
      (JSON.parse(f.get('manifest.json')!.toString()) as { files: { name: string; sha256: string }[] }).files
        .filter((x) => x.name === 'items.ndjson' || x.name === 'report.csv')
        .map((x) => x.sha256);
    expect(hashes(second)).toEqual(hashes(first));
  });

  it('the activity is frozen at the decision, and at close for an item nobody decided', async () => {
    // One account in two groups the first campaign did not cover: one item decided before a sign-in, one not.
    const others = staticGroups(emu, 3).slice(2);
    let pick: { groups: [GroupRec, GroupRec]; user: UserRec } | undefined;
    for (const g1 of others) {
      for (const g2 of others) {
        if (pick || g1 === g2) continue;
        const inBoth = groupMembers(emu, g1).find((u) => groupMembers(emu, g2).some((v) => v.id === u.id));
        if (inBoth) pick = { groups: [g1, g2], user: inBoth };
      }
    }
    if (!pick) throw new Error('no account in two groups');
    const groupIds = await Promise.all(
      pick.groups.map((g) => localId(db, connectionId, 'directory_groups', g.id)),
    );
    const accountId = await localId(db, connectionId, 'directory_accounts', pick.user.id);
    const campaign = await launchCampaign(
      t,
      admin,
      auditor,
      campaignBody(connectionId, admin.id, { scope: { groupIds }, reviewerIds: [reviewer.id] }),
    );
    const mine = (await campaignItems(t, auditor.token, campaign.id)).filter(
      (i) => i.account.id === accountId,
    );
    const [decided, undecided] = groupIds.map((g) => mine.find((i) => i.group?.id === g)!);
    const decision = await t.request('POST', `/api/v1/review-items/${decided.id}/decision`, {
      token: reviewer.token,
      body: { decision: 'keep' },
    });
    expect(decision.status).toBe(200);

    const at = new Date(Date.now() - 1000).toISOString();
    const signedIn = await fetch(`${emu.url}/__emulator/users/${pick.user.id}/sign-ins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ at }),
    });
    expect(signedIn.status).toBe(200);
    expect((await syncNow(t, connectionId)).status).toBe('succeeded');
    await pollUntil(
      async () =>
        (await t.request('GET', `/api/v1/accounts/${accountId}/activity`, { token: auditor.token })).body as {
          lastSignInAt: string | null;
        },
      (a) => a.lastSignInAt === at,
      (a) => `the activity read did not bring the sign-in in: ${JSON.stringify(a)}`,
    );
    expect(
      (await t.request('POST', `/api/v1/campaigns/${campaign.id}/close`, { token: admin.token })).status,
    ).toBe(202);
    await waitForCampaign(t, auditor.token, campaign.id, 'closed');

    const res = await fetch(`${t.url}/api/v1/campaigns/${campaign.id}/evidence`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.status).toBe(200);
    const bundled = new Map(
      (await unzip(Buffer.from(await res.arrayBuffer())))
        .get('items.ndjson')!
        .toString()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ReviewItemResponse)
        .map((i) => [i.id, i]),
    );
    expect(decided.account.lastSignInAt).not.toBe(at);
    expect(bundled.get(decided.id)!.account.lastSignInAt).toBe(decided.account.lastSignInAt);
    expect(bundled.get(undecided.id)!.account.lastSignInAt).toBe(at);
    // The live route shows today's activity on both.
    const live = (await campaignItems(t, auditor.token, campaign.id)).filter(
      (i) => i.account.id === accountId,
    );
    expect(live.map((i) => i.account.lastSignInAt)).toEqual([at, at]);
  });

  it('who may have it: admins and auditors; a reviewer 403; unknown 404; not a UUID 400; no token 401', async () => {
    const get = (token?: string, id = campaignId) =>
      t.request('GET', `/api/v1/campaigns/${id}/evidence`, token ? { token } : {});
    expect((await get(admin.token)).status).toBe(200);
    expect((await get(reviewer.token)).status).toBe(403);
    expect((await get(auditor.token, '00000000-0000-4000-8000-00000000000a')).status).toBe(404);
    expect((await get(auditor.token, 'nope')).status).toBe(400);
    expect((await get()).status).toBe(401);
  });

  (hasTools ? it : it.skip)(
    'the documented openssl commands verify it, and refuse a changed byte',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
      try {
        const env = {
          ...process.env,
          JUMPGATE_URL: t.url,
          JUMPGATE_TOKEN: auditor.token,
          CAMPAIGN_ID: campaignId,
        };
        const script = documentedScript();
        const ok = await bash(script, dir, env);
        expect(ok.stderr + ok.stdout).toContain('Signature Verified Successfully');
        expect(ok.stdout).toContain('evidence verified');
        expect(ok.status).toBe(0);

        // The offline part (from `unzip` on) over a bundle with one byte changed: it must fail.
        const offline = script.slice(script.indexOf('unzip'));
        for (const name of ['items.ndjson', 'manifest.json']) {
          const tampered = new Map(files);
          const bytes = Buffer.from(files.get(name)!);
          bytes[10] = bytes[10] ^ 0x01;
          tampered.set(name, bytes);
          rmSync(join(dir, 'evidence'), { recursive: true, force: true });
          writeFileSync(join(dir, 'evidence.zip'), await zipOf(tampered));
          const bad = await bash(`set -euo pipefail\n${offline}`, dir, env);
          expect(bad.status).not.toBe(0);
          expect(bad.stdout).not.toContain('evidence verified');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
