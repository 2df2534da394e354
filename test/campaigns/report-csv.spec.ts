import { stringify } from 'csv-stringify/sync';
import { type Client } from 'pg';
import { REPORT_BATCH } from '../../src/campaigns/campaign-report.service';
import { csvCell } from '../../src/campaigns/csv';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, launchCampaign } from '../helpers/campaigns';
import { startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';

/**
 * The report as the server wrote it before it streamed (one string, csv-stringify/sync, batches of
 * items in creation order), rebuilt from the database: the streamed report must equal it byte for byte.
 */
async function reportAsBefore(db: Client, campaignId: string): Promise<string> {
  const header = [
    'campaign',
    'account_email',
    'account_name',
    'group',
    'applications',
    'reviewer',
    'status',
    'decision',
    'justification',
    'decided_by',
    'decided_at',
    'override',
    'remediation',
    'remediated_at',
    'certified_until',
    'carried_decision',
    'carried_from_campaign',
  ];
  const { rows: campaigns } = await db.query<{ name: string }>(`SELECT name FROM campaigns WHERE id = $1`, [
    campaignId,
  ]);
  const { rows: principals } = await db.query<{ id: string; email: string }>(
    `SELECT id, email FROM principals`,
  );
  const email = new Map(principals.map((p) => [p.id, p.email]));
  const emailOf = (id: string | null) => (id ? (email.get(id) ?? id) : '');
  const iso = (d: Date | null) => d?.toISOString() ?? '';
  const { rows } = await db.query(
    `SELECT * FROM review_items WHERE campaign_id = $1 ORDER BY created_at, id`,
    [campaignId],
  );
  const records = rows.map((i) =>
    [
      campaigns[0].name,
      i.account_email ?? '',
      i.account_display_name ?? '',
      i.group_name,
      (i.applications as { name: string }[]).map((a) => a.name).join('; '),
      emailOf(i.reviewer_id),
      i.status,
      i.decision ?? '',
      i.justification ?? '',
      emailOf(i.decided_by),
      iso(i.decided_at),
      String(i.override),
      i.remediation,
      iso(i.remediated_at),
      iso(i.certified_until),
      '',
      '',
    ].map(csvCell),
  );
  return stringify([header]) + (records.length ? stringify(records) : '');
}

describe('GET /campaigns/{id}/report.csv streams', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;

  beforeAll(async () => {
    // More memberships than one batch of the report, so that it reads several.
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 1403,
      sizes: { users: 900, groups: 30, membershipsPerUser: 3, admins: 2, apps: 4 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('writes, in batches, exactly the bytes the one-string report wrote', async () => {
    const reviewers = [await createPrincipal(t), await createPrincipal(t)];
    const campaign = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, admin.id, {
        name: 'Report, "streamed" =1+1',
        reviewerIds: reviewers.map((r) => r.id),
        autoRemediate: false,
      }),
    );
    const { id } = campaign;
    const total = campaign.progress.total;
    expect(total).toBeGreaterThan(REPORT_BATCH);

    // Decisions with text a CSV must quote or defuse, by each reviewer.
    const justifications = ['=HYPERLINK("http://evil")', 'line one\nline two', 'a, "quoted" one', '@sum'];
    for (const r of reviewers) {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM review_items WHERE campaign_id = $1 AND reviewer_id = $2 ORDER BY id LIMIT 40`,
        [id, r.id],
      );
      const res = await t.request('POST', '/api/v1/reviews/decisions', {
        token: r.token,
        body: {
          decisions: rows.map((row, n) =>
            n % 2
              ? { itemId: row.id, decision: 'keep' }
              : {
                  itemId: row.id,
                  decision: 'revoke',
                  justification: justifications[n % justifications.length],
                },
          ),
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.rejected).toEqual([]);
    }

    const res = await fetch(`${t.url}/api/v1/campaigns/${id}/report.csv`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // Streamed: sent in chunks, its length unknown when the response starts.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const body = Buffer.from(await res.arrayBuffer());
    const expected = Buffer.from(await reportAsBefore(db, id));
    expect(body.length).toBe(expected.length);
    expect(body.equals(expected)).toBe(true);
    const text = body.toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain('"Report, ""streamed"" =1+1"');
  }, 120_000);

  it('answers 404 as JSON for a campaign that does not exist, before streaming anything', async () => {
    const res = await t.request('GET', `/api/v1/campaigns/00000000-0000-4000-8000-000000000000/report.csv`, {
      token: auditor.token,
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});
