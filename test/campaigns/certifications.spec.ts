import { type Client } from 'pg';
import { type CertificationResponse } from '../../src/campaigns/dto/certification.dto';
import { type CampaignResponse, type ReviewItemResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type GroupRec } from '../../src/emulator/store';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, waitForCampaign } from '../helpers/campaigns';
import { syncNow } from '../helpers/jumpcloud';
import { groupMembers, localId, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import { unzip } from '../helpers/zip';

/** RFC 4180 records (quoted cells may hold commas, quotes and newlines) as objects keyed by the header. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (quoted || (ch !== ',' && ch !== '\n' && ch !== '\r')) {
      cell += ch;
    } else if (ch === ',') {
      endCell();
    } else if (ch === '\n') {
      endCell();
      records.push(row);
      row = [];
    }
  }
  if (cell !== '' || row.length > 0) {
    endCell();
    records.push(row);
  }
  const [header, ...body] = records;
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
}

/**
 * Certifications and delta reviews (API.md "Campaigns that run themselves"), through the REST API with
 * the server's workers and JumpCloud served by the emulator: a close certifies what it kept, the
 * directory changes in JumpCloud, and a delta campaign reviews only what changed and carries the rest.
 */
describe('certifications and delta campaigns against the emulator', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let reviewer: TestPrincipal;

  const s = () => emu.emulator.store;
  const idOf = (table: string, ext: string) => localId(db, connectionId, table, ext);
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  async function run(
    body: Record<string, unknown>,
  ): Promise<{ c: CampaignResponse; items: ReviewItemResponse[] }> {
    const created = await t.request('POST', '/api/v1/campaigns', {
      token: admin.token,
      body: campaignBody(connectionId, reviewer.id, body),
    });
    expect(created.status).toBe(201);
    const launch = await t.request('POST', `/api/v1/campaigns/${created.body.id}/launch`, {
      token: admin.token,
    });
    expect(launch.status).toBe(202);
    const c = await waitForCampaign(t, auditor.token, created.body.id, 'active');
    return { c, items: await campaignItems(t, auditor.token, c.id) };
  }

  async function keepAllAndClose(
    c: CampaignResponse,
    items: ReviewItemResponse[],
  ): Promise<CampaignResponse> {
    const decided = await t.request('POST', '/api/v1/reviews/decisions', {
      token: reviewer.token,
      body: { decisions: items.map((i) => ({ itemId: i.id, decision: 'keep' })) },
    });
    expect(decided.body).toEqual({ applied: items.length, rejected: [] });
    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    return waitForCampaign(t, auditor.token, c.id, 'closed');
  }

  const certifications = async (query: string): Promise<CertificationResponse[]> => {
    const res = await t.request('GET', `/api/v1/certifications?limit=500&${query}`, { token: auditor.token });
    expect(res.status).toBe(200);
    return res.body.items as CertificationResponse[];
  };

  const plain = (u: { state: string; admin: number }) => u.state === 'ACTIVATED' && u.admin < 0;

  /** Static groups with at least `min` members, two of them active and no administrator. */
  function staticGroups(n: number, min = 4): GroupRec[] {
    const ok = s().groups.filter(
      (g) =>
        !g.deleted &&
        g.membershipMethod === 'STATIC' &&
        g.size >= min &&
        groupMembers(emu, g).filter(plain).length >= 2,
    );
    if (ok.length < n) throw new Error(`only ${ok.length} static groups`);
    return ok.slice(0, n);
  }

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 131,
      sizes: { users: 120, groups: 24, membershipsPerUser: 3, admins: 2, apps: 2 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    reviewer = await createPrincipal(t);
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('bad bodies and queries are 400 and create nothing; certifications are for admins and auditors', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n as number;
    for (const bad of [
      { mode: 'partial' },
      { certificationValidDays: 0 },
      { certificationValidDays: 'a year' },
    ]) {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: admin.token,
        body: campaignBody(connectionId, reviewer.id, bad),
      });
      expect(res.status).toBe(400);
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n).toBe(before);
    expect((await t.request('GET', '/api/v1/certifications', { token: reviewer.token })).status).toBe(403);
    expect((await t.request('GET', '/api/v1/certifications')).status).toBe(401);
    expect(
      (await t.request('GET', '/api/v1/certifications?accountId=nope', { token: auditor.token })).status,
    ).toBe(400);
    expect((await t.request('GET', '/api/v1/certifications', { token: admin.token })).status).toBe(200);
  });

  it('close certifies the kept memberships; after changes in JumpCloud a delta launch reviews only the new, re-added and expired ones and carries the rest', async () => {
    const [g1, g2, g3] = staticGroups(3);
    const [id1, id2, id3] = [
      await idOf('directory_groups', g1.id),
      await idOf('directory_groups', g2.id),
      await idOf('directory_groups', g3.id),
    ];

    // A full campaign over g1 and g2 (defaults: mode full, kind regular, 365 days), all kept.
    const full = await run({ scope: { groupIds: [id1, id2] }, reviewerIds: [reviewer.id] });
    expect(full.c).toMatchObject({ mode: 'full', kind: 'regular', certificationValidDays: 365 });
    expect(full.items.every((i) => i.certifiedUntil === null)).toBe(true);
    const closed = await keepAllAndClose(full.c, full.items);
    const until = new Date(closed.closedAt!).getTime() + 365 * 86_400_000;
    const certs = await certifications(`groupId=${id1}`);
    expect(certs.map((x) => x.accountId).sort()).toEqual(
      full.items
        .filter((i) => i.group?.id === id1)
        .map((i) => i.account.id)
        .sort(),
    );
    for (const x of certs) {
      expect(x).toMatchObject({ groupId: id1, campaignId: full.c.id, reviewerId: reviewer.id });
      // Certified from the close, within the time the close took.
      expect(Math.abs(new Date(x.certifiedUntil).getTime() - until)).toBeLessThan(10_000);
    }
    // The kept items show until when.
    const after = await campaignItems(t, auditor.token, full.c.id);
    expect(after.every((i) => i.certifiedUntil !== null)).toBe(true);
    // And so does the account's access (API.md `GET /accounts/{id}/access`).
    const access = await t.request('GET', `/api/v1/accounts/${certs[0].accountId}/access`, {
      token: auditor.token,
    });
    expect(access.body.groups.find((x: { groupId: string }) => x.groupId === id1)).toMatchObject({
      certifiedUntil: certs[0].certifiedUntil,
    });

    // g3: certified for a moment only (0.00002 days, under 2 s): soon expired.
    const brief = await run({
      scope: { groupIds: [id3] },
      reviewerIds: [reviewer.id],
      certificationValidDays: 0.00002,
    });
    expect(brief.c.certificationValidDays).toBe(0.00002);
    await keepAllAndClose(brief.c, brief.items);

    // Changes made in JumpCloud: someone joins g1, a member leaves g1 and comes back (two syncs), a
    // member leaves g2; g3's member changes department.
    const members1 = groupMembers(emu, g1);
    const joiner = s().users.find(
      (u, slot) => !u.deleted && u.state === 'ACTIVATED' && u.admin < 0 && !members1.includes(u) && slot >= 0,
    )!;
    const readded = members1.find(plain)!;
    const leaver = groupMembers(emu, g2).find(plain)!;
    const mover = groupMembers(emu, g3).find(plain)!;
    await control('POST', `/groups/${g1.id}/members`, { userId: joiner.id });
    await control('DELETE', `/groups/${g1.id}/members/${readded.id}`);
    await control('DELETE', `/groups/${g2.id}/members/${leaver.id}`);
    await control('PATCH', `/users/${mover.id}`, { department: `${mover.department} (moved)` });
    await syncNow(t, connectionId);
    await control('POST', `/groups/${g1.id}/members`, { userId: readded.id });
    await syncNow(t, connectionId);

    // Removing a membership ends its certification: the leaver's and the re-added one's are gone.
    const [leaverId, readdedId, joinerId, moverId] = [
      await idOf('directory_accounts', leaver.id),
      await idOf('directory_accounts', readded.id),
      await idOf('directory_accounts', joiner.id),
      await idOf('directory_accounts', mover.id),
    ];
    expect(await certifications(`groupId=${id2}&accountId=${leaverId}`)).toEqual([]);
    expect(await certifications(`groupId=${id1}&accountId=${readdedId}`)).toEqual([]);
    expect((await certifications(`groupId=${id1}`)).length).toBe(members1.length - 1);

    await new Promise((r) => setTimeout(r, 2_000)); // g3's certifications expire
    const deltaBody = { scope: { groupIds: [id1, id2, id3] }, reviewerIds: [reviewer.id], mode: 'delta' };
    // The preview counts what the delta launch will make, and what it will carry.
    const counts = async () =>
      (await db.query(`SELECT (SELECT count(*) FROM campaigns) + (SELECT count(*) FROM review_items) AS n`))
        .rows[0].n as string;
    const preview = async (body: Record<string, unknown>) => {
      const before = await counts();
      const res = await t.request('POST', '/api/v1/campaigns/preview', {
        token: admin.token,
        body: campaignBody(connectionId, reviewer.id, body),
      });
      expect(res.status).toBe(200);
      expect(await counts()).toBe(before); // a preview creates nothing
      return res.body as Record<string, unknown>;
    };
    const previewed = await preview(deltaBody);
    const delta = await run(deltaBody);
    const g3Pairs: string[] = [];
    for (const u of groupMembers(emu, g3)) g3Pairs.push(`${id3}:${await idOf('directory_accounts', u.id)}`);
    const expected = [`${id1}:${joinerId}`, `${id1}:${readdedId}`, ...g3Pairs];
    expect(delta.items.map((i) => `${i.group?.id}:${i.account.id}`).sort()).toEqual(expected.sort());
    // The expired ones show the certification they had; the new and re-added have none.
    for (const i of delta.items) {
      if (i.group?.id === id3) expect(new Date(i.certifiedUntil!).getTime()).toBeLessThan(Date.now());
      else expect(i.certifiedUntil).toBeNull();
    }
    // Recommendations: the department changed since the last certification; nothing for a joiner.
    expect(delta.items.find((i) => i.account.id === moverId && i.group?.id === id3)!.recommendation).toEqual({
      value: 'review',
      reason: 'The department changed since the last certification',
    });
    expect(delta.items.find((i) => i.account.id === joinerId)!.recommendation).toBeNull();

    // Carried: every other membership in scope, still certified. Not items, not in total.
    // g2.size is the emulator's count now, without the leaver.
    const carriedCount = members1.length - 1 + g2.size;
    expect(delta.c.progress).toMatchObject({
      total: expected.length,
      pending: expected.length,
      carried: carriedCount,
    });
    expect(previewed).toEqual({
      items: expected.length,
      groups: 2,
      reviewers: [expect.objectContaining({ id: reviewer.id, items: expected.length })],
      fallbackItems: 0,
      unassignedItems: 0,
      carried: carriedCount,
    });
    // A full preview of the same scope counts every membership and carries nothing.
    const fullPreview = await preview({ ...deltaBody, mode: 'full' });
    expect(fullPreview).toMatchObject({ items: expected.length + carriedCount, groups: 3 });
    expect(fullPreview).not.toHaveProperty('carried');

    // The report lists the items and then one `carried` row per carried membership, with what it carries.
    const csv = await t.request('GET', `/api/v1/campaigns/${delta.c.id}/report.csv`, {
      token: auditor.token,
    });
    expect(csv.status).toBe(200);
    const rows = parseCsv(csv.text);
    const carried = rows.filter((r) => r.decision === 'carried');
    expect(rows.length - carried.length).toBe(expected.length);
    expect(carried).toHaveLength(carriedCount);
    const certified1 = await certifications(`groupId=${id1}`);
    const keptOne = certified1[0];
    const account = (
      await t.request('GET', `/api/v1/accounts/${keptOne.accountId}`, { token: auditor.token })
    ).body;
    expect(carried.find((r) => r.account_email === account.email && r.group === g1.name)).toMatchObject({
      status: 'carried',
      decision: 'carried',
      carried_decision: 'keep',
      reviewer: reviewer.email,
      decided_by: reviewer.email,
      decided_at: keptOne.decidedAt,
      certified_until: keptOne.certifiedUntil,
      carried_from_campaign: full.c.id,
    });
    expect(carried.some((r) => r.account_email === leaver.email && r.group === g2.name)).toBe(false);

    // A full campaign over the same groups still reviews every membership.
    const again = await run({ scope: { groupIds: [id1, id2] }, reviewerIds: [reviewer.id] });
    expect(again.items).toHaveLength(members1.length + 1 + g2.size);
    expect(again.c.progress.carried).toBe(0);
  });

  it('what a delta campaign carried is fixed at launch: certifications made or ended since change neither report.csv, progress nor the evidence bundle', async () => {
    // Groups the test above did not touch.
    const [gA, gB] = staticGroups(5).slice(3);
    const [idA, idB] = [await idOf('directory_groups', gA.id), await idOf('directory_groups', gB.id)];
    const full = await run({ scope: { groupIds: [idA, idB] }, reviewerIds: [reviewer.id] });
    await keepAllAndClose(full.c, full.items);

    // A member leaves gB, and the sync's end of its certification is lost (the event handler runs
    // after the sync commits): its certification is left in force for a membership that is gone.
    const gone = groupMembers(emu, gB).find(plain)!;
    await control('DELETE', `/groups/${gB.id}/members/${gone.id}`);
    await syncNow(t, connectionId);
    const goneId = await idOf('directory_accounts', gone.id);
    await pollUntil(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM certifications WHERE group_id = $1 AND account_id = $2 AND ended_at IS NULL`,
            [idB, goneId],
          )
        ).rows[0].n as number,
      (n) => n === 0,
      () => 'the sync did not end the certification',
    );
    await db.query(
      `UPDATE certifications SET ended_at = NULL, ended_xid = NULL, end_reason = NULL
       WHERE id = (SELECT id FROM certifications WHERE group_id = $1 AND account_id = $2 ORDER BY created_at DESC LIMIT 1)`,
      [idB, goneId],
    );

    const delta = await run({ scope: { groupIds: [idA, idB] }, reviewerIds: [reviewer.id], mode: 'delta' });
    const carriedCount = groupMembers(emu, gA).length + groupMembers(emu, gB).length;
    expect(delta.items).toEqual([]);
    expect(delta.c.progress).toMatchObject({ total: 0, carried: carriedCount });
    // The launch ended the stale certification rather than carry a membership that is gone.
    const stale = await db.query(
      `SELECT end_reason FROM certifications WHERE group_id = $1 AND account_id = $2 ORDER BY created_at DESC LIMIT 1`,
      [idB, goneId],
    );
    expect(stale.rows[0].end_reason).toBe('removed');

    const report = async (): Promise<string> => {
      const res = await t.request('GET', `/api/v1/campaigns/${delta.c.id}/report.csv`, {
        token: auditor.token,
      });
      expect(res.status).toBe(200);
      return res.text;
    };
    const atLaunch = await report();
    const carried = parseCsv(atLaunch);
    expect(carried).toHaveLength(carriedCount);
    expect(carried.every((r) => r.decision === 'carried' && r.carried_from_campaign === full.c.id)).toBe(
      true,
    );
    expect(carried.some((r) => r.account_email === gone.email)).toBe(false);

    // After the launch: a carried member leaves gA (its certification ends), someone joins gB, and a
    // new full campaign over gA certifies again (every gA certification superseded by a new one).
    const leaver = groupMembers(emu, gA).find(plain)!;
    const joiner = s().users.find(
      (u) => !u.deleted && u.state === 'ACTIVATED' && u.admin < 0 && !groupMembers(emu, gB).includes(u),
    )!;
    await control('DELETE', `/groups/${gA.id}/members/${leaver.id}`);
    await control('POST', `/groups/${gB.id}/members`, { userId: joiner.id });
    await syncNow(t, connectionId);
    const again = await run({ scope: { groupIds: [idA] }, reviewerIds: [reviewer.id] });
    await keepAllAndClose(again.c, again.items);
    expect((await certifications(`groupId=${idA}`)).every((x) => x.campaignId === again.c.id)).toBe(true);

    // The delta campaign still reports exactly what it carried at launch.
    expect(await report()).toBe(atLaunch);
    const now = (await t.request('GET', `/api/v1/campaigns/${delta.c.id}`, { token: auditor.token })).body;
    expect(now.progress.carried).toBe(carriedCount);

    // Closed, its evidence bundle holds the same report and the same count.
    expect(
      (await t.request('POST', `/api/v1/campaigns/${delta.c.id}/close`, { token: admin.token })).status,
    ).toBe(202);
    await waitForCampaign(t, auditor.token, delta.c.id, 'closed');
    const res = await fetch(`${t.url}/api/v1/campaigns/${delta.c.id}/evidence`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.status).toBe(200);
    const files = await unzip(Buffer.from(await res.arrayBuffer()));
    expect(files.get('report.csv')!.toString()).toBe(atLaunch);
    expect(JSON.parse(files.get('campaign.json')!.toString()).progress).toMatchObject({
      total: 0,
      carried: carriedCount,
    });
    expect(files.get('items.ndjson')!.toString()).toBe('');
  });
});
