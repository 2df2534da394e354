import { Client } from 'pg';
import { AUDIT_APPEND_LOCK_KEY } from '../../src/audit/audit.service';
import { type RunningEmulator } from '../../src/emulator';
import { type CampaignResponse } from '../../src/campaigns/dto/campaign.dto';
import { type CampaignTemplateResponse } from '../../src/campaigns/templates/dto/campaign-template.dto';
import { periodAt } from '../../src/campaigns/templates/template-period.policy';
import { TemplateLaunchesService } from '../../src/campaigns/templates/template-launches.service';
import { type TestApp } from '../helpers/app';
import {
  campaignBody,
  campaignItems,
  plannedRemovals,
  templateTicks,
  waitForCampaign,
} from '../helpers/campaigns';
import { startStandIn, type StandIn } from '../helpers/http-stand-in';
import { createConnection, syncNow } from '../helpers/jumpcloud';
import { createChannel, deliveries } from '../helpers/notifications';
import { localId, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

type Template = CampaignTemplateResponse;

/**
 * Campaign templates and the freshness gate (API.md "Campaigns that run themselves") through the
 * REST API, the server's own tick making and launching each period's campaign against the emulator.
 */
describe('campaign templates and the freshness gate', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;
  let reviewer: TestPrincipal;
  let groups: { id: string; size: number }[];
  const usedGroups = new Set<string>();

  /** A static group no other test uses, with at least `minMembers` members. */
  function freshGroup(minMembers = 2): { id: string; size: number } {
    const g = groups.find((x) => !usedGroups.has(x.id) && x.size >= minMembers);
    if (!g) throw new Error('no fresh group left');
    usedGroups.add(g.id);
    return g;
  }

  /** A template body over one fresh group (each test its own) unless `body` names a scope, named reviewer. */
  async function templateBody(body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const { dueAt: _dueAt, ...campaign } = campaignBody(connectionId, admin.id, {
      name: `Quarterly review ${usedGroups.size + 1}`,
      scope: body.scope ?? { groupIds: [freshGroup().id] },
      reviewerIds: [reviewer.id],
    });
    return { ...campaign, schedule: { everyMonths: 3 }, durationDays: 14, ...body };
  }

  const createTemplate = async (body: Record<string, unknown>) =>
    t.request('POST', '/api/v1/campaign-templates', { token: admin.token, body });

  const campaignsOf = async (id: string, token = auditor.token) => {
    const res = await t.request(`GET`, `/api/v1/campaign-templates/${id}/campaigns?limit=500`, { token });
    expect(res.status).toBe(200);
    return res.body.items as CampaignResponse[];
  };

  const countRows = async (table: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 61,
      sizes: { users: 40, groups: 16, membershipsPerUser: 2, admins: 2, apps: 1 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
    reviewer = await createPrincipal(t);
    groups = [];
    for (const g of staticGroups(emu, 2))
      groups.push({ id: await localId(db, connectionId, 'directory_groups', g.id), size: g.size });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('the period in progress gets one campaign at the next tick: named by period, due durationDays after launch, with the settings', async () => {
    const body = await templateBody({
      reminders: { daysBeforeDue: [5, 2], overdueEveryDays: 0.5 },
      closeAfterDueDays: 2,
      escalateAfterDays: 1,
      maxSyncAgeHours: 48,
      defaultDecision: 'keep',
      certificationValidDays: 30,
    });
    const created = await createTemplate(body);
    expect(created.status).toBe(201);
    const tpl = created.body;
    const expected = periodAt({ everyMonths: 3, dayOfMonth: 1 }, new Date(tpl.createdAt), new Date());
    expect(tpl).toMatchObject({
      connectionId,
      name: body.name,
      schedule: { everyMonths: 3, dayOfMonth: 1 },
      durationDays: 14,
      mode: 'full',
      certificationValidDays: 30,
      maxSyncAgeHours: 48,
      reviewerIds: [reviewer.id],
      currentPeriod: { key: expected.key, startsAt: expected.start.toISOString() },
    });

    const [made] = await pollUntil(
      () => campaignsOf(tpl.id),
      (items) => items.length > 0,
      () => 'the template made no campaign',
    );
    const active = await waitForCampaign(t, auditor.token, made.id, 'active');
    expect(active).toMatchObject({
      name: `${body.name as string} ${expected.key}`,
      templateId: tpl.id,
      certificationValidDays: 30,
      period: expected.key,
      scope: body.scope,
      reviewerStrategy: 'named',
      reviewerIds: [reviewer.id],
      fallbackReviewerIds: [admin.id],
      defaultDecision: 'keep',
      reminders: { daysBeforeDue: [5, 2], overdueEveryDays: 0.5 },
      closeAfterDueDays: 2,
      escalateAfterDays: 1,
      maxSyncAgeHours: 48,
    });
    // dueAt = the launch + 14 days: the launch is between the campaign's creation and its activation.
    const due = new Date(active.dueAt!).getTime() - 14 * 86_400_000;
    expect(due).toBeGreaterThanOrEqual(new Date(active.createdAt).getTime());
    expect(due).toBeLessThanOrEqual(new Date(active.launchedAt!).getTime());
    const items = await campaignItems(t, auditor.token, active.id);
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.group?.id))).toEqual(
      new Set((body.scope as { groupIds: string[] }).groupIds),
    );
    expect(new Set(items.map((i) => i.reviewerId))).toEqual(new Set([reviewer.id]));

    // More ticks make nothing more; the template now points at the next period.
    await templateTicks(db, 2);
    expect((await campaignsOf(tpl.id)).map((c) => c.id)).toEqual([active.id]);
    const read = await t.request<Template>('GET', `/api/v1/campaign-templates/${tpl.id}`, {
      token: auditor.token,
    });
    expect(read.body.nextLaunchAt).toBe(expected.end.toISOString());
  });

  it("its campaigns take the template's caps, administrators scope, certificationValidDays, mode and reminders; a close holds what the caps say, and the next period carries what it certified", async () => {
    const [a, b] = [freshGroup(8), freshGroup(8)];
    const share = 0.25;
    // The cap per close bites too: one fewer than the groups' caps allow (one kept member of `a` aside).
    const max = Math.floor(share * a.size) + Math.floor(share * b.size) - 1;
    const settings = {
      scope: { groupIds: [a.id, b.id], applicationIds: [], administrators: true },
      maxRevokeSharePerGroup: share,
      maxRevokesPerClose: max,
      certificationValidDays: 30,
      mode: 'delta',
      reminders: { daysBeforeDue: [4], overdueEveryDays: 2 },
      defaultDecision: 'revoke',
    };
    const created = await createTemplate(await templateBody(settings));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(settings);
    const id = created.body.id as string;
    const [made] = await pollUntil(
      () => campaignsOf(id),
      (items) => items.length > 0,
      () => 'the template made no campaign',
    );
    const c = await waitForCampaign(t, auditor.token, made.id, 'active');
    expect(c).toMatchObject({ ...settings, templateId: id });

    const items = await campaignItems(t, auditor.token, c.id);
    const adminItems = items.filter((i) => i.group === null);
    expect(adminItems.map((i) => i.account.email?.toLowerCase()).sort()).toEqual(
      emu.emulator.store.admins.map((x) => x.email.toLowerCase()).sort(),
    );
    for (const i of adminItems) expect(i.account.adminRoles?.length).toBeGreaterThan(0);
    const groupItems = items.filter((i) => i.group !== null);
    expect(groupItems).toHaveLength(a.size + b.size);
    const kept = groupItems.find((i) => i.group!.id === a.id)!;
    const keep = await t.request('POST', `/api/v1/review-items/${kept.id}/decision`, {
      token: reviewer.token,
      body: { decision: 'keep' },
    });
    expect(keep.status).toBe(200);

    // The close revokes the rest by default. What it applies, by the template's caps; the defaults
    // (or either cap alone) would apply another set, so a cap lost on the way would show.
    const revokes = groupItems.filter((i) => i.id !== kept.id);
    const members = (g: string) => (g === a.id ? a.size : b.size);
    const planned = (caps: { share: number; maxPerClose: number }) =>
      [...plannedRemovals(revokes, caps, members)].sort();
    const applied = new Set(planned({ share, maxPerClose: max }));
    expect(applied.size).toBe(max);
    for (const other of [
      { share: 0.5, maxPerClose: 500 },
      { share: 0.5, maxPerClose: max },
      { share, maxPerClose: 500 },
    ])
      expect(planned(other)).not.toEqual([...applied].sort());

    expect((await t.request('POST', `/api/v1/campaigns/${c.id}/close`, { token: admin.token })).status).toBe(
      202,
    );
    const closed = await waitForCampaign(t, auditor.token, c.id, 'closed');
    expect(closed.progress).toMatchObject({ kept: 1, held: revokes.length - max });
    const after = new Map((await campaignItems(t, auditor.token, c.id)).map((i) => [i.id, i]));
    for (const i of revokes) {
      const { remediation } = after.get(i.id)!;
      expect([i.id, remediation === 'held']).toEqual([i.id, !applied.has(i.id)]);
    }
    // The administrators scope is never remediated by jumpgate, whatever the caps.
    for (const i of adminItems) {
      expect(after.get(i.id)).toMatchObject({ decision: 'revoke', remediation: 'manual' });
      expect(after.get(i.id)!.remediationNote).toBeTruthy();
    }
    // The kept membership is certified for the template's 30 days from the close.
    const certifiedUntil = new Date(after.get(kept.id)!.certifiedUntil!).getTime();
    const expectedUntil = new Date(closed.closedAt!).getTime() + 30 * 86_400_000;
    expect(Math.abs(certifiedUntil - expectedUntil)).toBeLessThan(60_000);

    // The next period's campaign is a delta one too: the certified membership is carried, not reviewed.
    const next = new Date(new Date(created.body.currentPeriod.endsAt as string).getTime() + 3_600_000);
    await t.app.get(TemplateLaunchesService).launchDue(next);
    const both = await campaignsOf(id);
    expect(both).toHaveLength(2);
    const second = await waitForCampaign(t, auditor.token, both[1].id, 'active');
    expect(second).toMatchObject({
      ...settings,
      period: periodAt(created.body.schedule, new Date(created.body.createdAt), next).key,
    });
    expect(second.progress.carried).toBe(1);
    const secondItems = await campaignItems(t, auditor.token, second.id);
    expect(secondItems.filter((i) => i.group?.id === a.id && i.account.id === kept.account.id)).toEqual([]);
    expect(secondItems.filter((i) => i.group === null)).toHaveLength(adminItems.length);
    expect(
      (await t.request('POST', `/api/v1/campaigns/${second.id}/cancel`, { token: admin.token })).status,
    ).toBe(200);
  }, 120_000);

  it('deleting a template stops future campaigns and keeps past ones, still listed under it', async () => {
    const created = await createTemplate(await templateBody({ schedule: { everyMonths: 1, dayOfMonth: 1 } }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const [first] = await pollUntil(
      () => campaignsOf(id),
      (items) => items.length === 1,
      () => 'no first campaign',
    );
    // The tick with a clock in the next month: that period's campaign is made and launched.
    const launches = t.app.get(TemplateLaunchesService);
    const nextMonth = new Date(created.body.currentPeriod.endsAt);
    await launches.launchDue(new Date(nextMonth.getTime() + 3_600_000));
    const two = await campaignsOf(id);
    expect(two.map((c) => c.period)).toEqual([
      first.period,
      periodAt({ everyMonths: 1, dayOfMonth: 1 }, nextMonth, nextMonth).key,
    ]);
    await waitForCampaign(t, auditor.token, two[1].id, 'active');

    expect(
      (await t.request('DELETE', `/api/v1/campaign-templates/${id}`, { token: auditor.token })).status,
    ).toBe(403);
    expect(
      (await t.request('DELETE', `/api/v1/campaign-templates/${id}`, { token: admin.token })).status,
    ).toBe(204);
    const afterNext = new Date(Date.UTC(nextMonth.getUTCFullYear(), nextMonth.getUTCMonth() + 1, 2));
    await launches.launchDue(afterNext);
    await templateTicks(db, 1);
    expect((await campaignsOf(id)).map((c) => c.id)).toEqual(two.map((c) => c.id));
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { durationDays: 3 }],
      ['DELETE', undefined],
    ] as const) {
      const res = await t.request(method, `/api/v1/campaign-templates/${id}`, { token: admin.token, body });
      expect([method, res.status]).toEqual([method, 404]);
    }
    const listed = await t.request('GET', '/api/v1/campaign-templates?limit=500', { token: auditor.token });
    expect((listed.body.items as Template[]).map((x) => x.id)).not.toContain(id);
    const audit = await t.request('GET', `/api/v1/audit-events?targetId=${id}&limit=50`, {
      token: auditor.token,
    });
    expect((audit.body.items as { action: string }[]).map((e) => e.action).sort()).toEqual([
      'campaign_template.created',
      'campaign_template.deleted',
    ]);
  });

  it('reads for admins and auditors, writes for admins only; unknown and malformed ids', async () => {
    const created = await createTemplate(await templateBody());
    const id = created.body.id;
    const person = await createPrincipal(t);
    const before = await countRows('campaign_templates');
    expect((await createTemplate(await templateBody())).status).toBe(201);
    const refusedBody = await templateBody();
    for (const token of [auditor.token, person.token]) {
      const res = await t.request('POST', '/api/v1/campaign-templates', { token, body: refusedBody });
      expect(res.status).toBe(403);
      expect(
        (await t.request('PATCH', `/api/v1/campaign-templates/${id}`, { token, body: { name: 'x' } })).status,
      ).toBe(403);
    }
    expect(await countRows('campaign_templates')).toBe(before + 1);
    expect((await t.request('GET', '/api/v1/campaign-templates', { token: person.token })).status).toBe(403);
    expect((await t.request('GET', `/api/v1/campaign-templates/${id}`, { token: person.token })).status).toBe(
      403,
    );
    expect(
      (await t.request('GET', `/api/v1/campaign-templates/${id}/campaigns`, { token: person.token })).status,
    ).toBe(403);
    expect((await t.request('GET', '/api/v1/campaign-templates')).status).toBe(401);
    const list = await t.request('GET', '/api/v1/campaign-templates?limit=500', { token: auditor.token });
    expect(list.status).toBe(200);
    expect((list.body.items as Template[]).map((x) => x.id)).toContain(id);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await t.request('GET', `/api/v1/campaign-templates/${unknown}`, { token: auditor.token })).status,
    ).toBe(404);
    expect(
      (await t.request('GET', `/api/v1/campaign-templates/${unknown}/campaigns`, { token: auditor.token }))
        .status,
    ).toBe(404);
    expect((await t.request('GET', '/api/v1/campaign-templates/nope', { token: auditor.token })).status).toBe(
      400,
    );
  });

  it('refuses bad bodies with 400 and a clear message, changing nothing', async () => {
    const good = await templateBody();
    const otherGroup = '00000000-0000-4000-8000-000000000001';
    const cases: [Record<string, unknown>, string][] = [
      [{ schedule: { everyMonths: 13 } }, 'everyMonths'],
      [{ schedule: { everyMonths: 0 } }, 'everyMonths'],
      [{ schedule: { everyMonths: 1.5 } }, 'everyMonths'],
      [{ schedule: { everyMonths: 1, dayOfMonth: 29 } }, 'dayOfMonth'],
      [{ schedule: { everyMonths: 1, dayOfMonth: 0 } }, 'dayOfMonth'],
      [{ schedule: undefined }, 'schedule'],
      [{ scope: undefined }, 'scope'],
      [{ durationDays: 0 }, 'durationDays'],
      [{ durationDays: undefined }, 'durationDays'],
      [{ mode: 'weekly' }, 'mode'],
      [{ maxSyncAgeHours: 0 }, 'maxSyncAgeHours'],
      [{ maxSyncAgeHours: -1 }, 'maxSyncAgeHours'],
      [{ dueAt: new Date(Date.now() + 86_400_000).toISOString() }, 'dueAt'],
      [{ surprise: true }, 'surprise'],
      [{ name: 'x'.repeat(191) }, 'name'],
      [{ fallbackReviewerIds: [] }, 'fallbackReviewerIds'],
      [{ scope: { groupIds: [otherGroup] } }, 'scope.groupIds'],
      [{ connectionId: '00000000-0000-4000-8000-000000000002' }, 'connectionId'],
      [{ reviewerStrategy: 'manager' }, 'reviewerIds'],
    ];
    const before = await countRows('campaign_templates');
    for (const [patch, field] of cases) {
      const res = await createTemplate({ ...good, ...patch });
      expect([field, res.status]).toEqual([field, 400]);
      expect([field, JSON.stringify(res.body.message)]).toEqual([field, expect.stringContaining(field)]);
    }
    expect(await countRows('campaign_templates')).toBe(before);

    // PATCH: the same rules over the merged template; a refused change leaves it as it was.
    const created = await createTemplate(good);
    const id = created.body.id;
    for (const [patch, field] of [
      [{ schedule: { everyMonths: 24 } }, 'everyMonths'],
      [{ durationDays: -2 }, 'durationDays'],
      [{ reviewerStrategy: 'manager' }, 'reviewerIds'],
      [{ connectionId }, 'connectionId'],
      [{ scope: { groupIds: [otherGroup] } }, 'scope.groupIds'],
    ] as const) {
      const res = await t.request('PATCH', `/api/v1/campaign-templates/${id}`, {
        token: admin.token,
        body: patch,
      });
      expect([field, res.status]).toEqual([field, 400]);
      expect([field, JSON.stringify(res.body.message)]).toEqual([field, expect.stringContaining(field)]);
    }
    const read = await t.request<Template>('GET', `/api/v1/campaign-templates/${id}`, { token: admin.token });
    // nextLaunchAt moves once the tick has made the period's campaign; everything stored stays.
    expect({ ...read.body, nextLaunchAt: null }).toEqual({ ...created.body, nextLaunchAt: null });
  });

  it('PATCH changes what it names and keeps the rest; a changed schedule waits for its next period', async () => {
    const created = await createTemplate(await templateBody({ schedule: { everyMonths: 12 } }));
    const id = created.body.id;
    await pollUntil(
      () => campaignsOf(id),
      (items) => items.length === 1,
      () => 'no first campaign',
    );
    const res = await t.request<Template>('PATCH', `/api/v1/campaign-templates/${id}`, {
      token: admin.token,
      body: {
        name: 'Monthly check',
        schedule: { everyMonths: 1, dayOfMonth: 1 },
        mode: 'delta',
        durationDays: 5,
        certificationValidDays: 90,
      },
    });
    expect(res.status).toBe(200);
    expect(created.body.certificationValidDays).toBe(365);
    expect(res.body).toMatchObject({
      ...created.body,
      name: 'Monthly check',
      schedule: { everyMonths: 1, dayOfMonth: 1 },
      mode: 'delta',
      durationDays: 5,
      certificationValidDays: 90,
      currentPeriod: expect.objectContaining({ key: expect.stringMatching(/^\d{4}-\d{2}$/) }),
      nextLaunchAt: res.body.currentPeriod.endsAt,
      updatedAt: expect.any(String),
    });
    // The month in progress was covered by this year's campaign: nothing more until next month.
    await templateTicks(db, 2);
    expect(await campaignsOf(id)).toHaveLength(1);
  });

  it('a PATCH while its campaign finishes launching answers 200: the launch never waits for the PATCH', async () => {
    const created = await createTemplate(await templateBody());
    const id = created.body.id as string;
    const [made] = await pollUntil(
      () => campaignsOf(id),
      (items) => items.length === 1,
      () => 'no first campaign',
    );
    await waitForCampaign(t, auditor.token, made.id, 'active');
    // What the launch job's transaction does at its end (CampaignLaunchService.runLaunch), step by step:
    // it marks the campaign active, takes the audit lock, then updates the campaign again (the reminder
    // period), and that second update checks the campaign's template key. A PATCH that holds the
    // template row while it waits for the audit lock used to deadlock with it (a 500).
    const launch = new Client({ connectionString: t.databaseUrl });
    await launch.connect();
    try {
      const touchCampaign = () =>
        launch.query(`UPDATE campaigns SET reminded_period = reminded_period WHERE id = $1`, [made.id]);
      await launch.query('BEGIN');
      await touchCampaign();
      await launch.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_APPEND_LOCK_KEY]);
      const patch = t.request<Template>('PATCH', `/api/v1/campaign-templates/${id}`, {
        token: admin.token,
        body: { durationDays: 9 },
      });
      const templateLocked = async () =>
        db.query(`SELECT 1 FROM campaign_templates WHERE id = $1 FOR UPDATE NOWAIT`, [id]).then(
          () => false,
          (err: { code?: string }) => err.code === '55P03',
        );
      const waitsForAudit = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [AUDIT_APPEND_LOCK_KEY],
          )
        ).rows[0].n > 0;
      await pollUntil(
        async () => (await waitsForAudit()) && (await templateLocked()),
        (both) => both,
        () => 'the PATCH never held the template while waiting for the audit lock',
      );
      await touchCampaign();
      await launch.query('COMMIT');
      const res = await patch;
      expect(res.status).toBe(200);
      expect(res.body.durationDays).toBe(9);
    } finally {
      await launch.end();
    }
  });

  describe('freshness gate', () => {
    async function draft(body: Record<string, unknown>, conn = connectionId): Promise<string> {
      const res = await t.request('POST', '/api/v1/campaigns', {
        token: admin.token,
        body: campaignBody(conn, admin.id, { reviewerIds: [reviewer.id], ...body }),
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    }

    it('refuses a launch over an older sync with 409 stale_directory unless forced, and audits the force', async () => {
      const id = await draft({ scope: { groupIds: [freshGroup().id] }, maxSyncAgeHours: 0.0003 });
      expect(
        (await t.request('GET', `/api/v1/campaigns/${id}`, { token: auditor.token })).body.maxSyncAgeHours,
      ).toBe(0.0003);
      await new Promise((r) => setTimeout(r, 1500)); // 0.0003 hours is 1.08 s
      const refused = await t.request('POST', `/api/v1/campaigns/${id}/launch`, { token: admin.token });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('stale_directory');
      expect(refused.body.message).toMatch(/hours old \(maxSyncAgeHours is 0.0003\)/);
      for (const body of [{ force: 'yes' }, { force: true, extra: 1 }]) {
        expect(
          (await t.request('POST', `/api/v1/campaigns/${id}/launch`, { token: admin.token, body })).status,
        ).toBe(400);
      }
      expect(
        (
          await t.request('POST', `/api/v1/campaigns/${id}/launch`, {
            token: auditor.token,
            body: { force: true },
          })
        ).status,
      ).toBe(403);
      expect((await t.request('GET', `/api/v1/campaigns/${id}`, { token: auditor.token })).body.status).toBe(
        'draft',
      );
      expect(await campaignItems(t, auditor.token, id)).toHaveLength(0);

      const forced = await t.request('POST', `/api/v1/campaigns/${id}/launch`, {
        token: admin.token,
        body: { force: true },
      });
      expect(forced.status).toBe(202);
      await waitForCampaign(t, auditor.token, id, 'active');
      const audit = await t.request('GET', `/api/v1/audit-events?targetId=${id}&limit=50`, {
        token: auditor.token,
      });
      const event = (
        audit.body.items as { action: string; actor: { id: string }; data: Record<string, unknown> }[]
      ).find((e) => e.action === 'campaign.launch_forced');
      expect(event?.actor.id).toBe(admin.id);
      expect(event?.data).toMatchObject({ maxSyncAgeHours: 0.0003, lastSyncAt: expect.any(String) });
      expect(event?.data.syncAgeHours as number).toBeGreaterThan(0.0003);
    });

    it('a fresh directory launches without force (default 24 hours); a never-synced connection is stale', async () => {
      const id = await draft({ scope: { groupIds: [freshGroup().id] } });
      expect(
        (await t.request('GET', `/api/v1/campaigns/${id}`, { token: auditor.token })).body.maxSyncAgeHours,
      ).toBe(24);
      expect((await t.request('POST', `/api/v1/campaigns/${id}/launch`, { token: admin.token })).status).toBe(
        202,
      );
      await waitForCampaign(t, auditor.token, id, 'active');
      for (const bad of [0, -1, 'soon']) {
        const res = await t.request('POST', '/api/v1/campaigns', {
          token: admin.token,
          body: campaignBody(connectionId, admin.id, { maxSyncAgeHours: bad }),
        });
        expect([bad, res.status]).toEqual([bad, 400]);
      }

      const unsynced = (await createConnection(t, emu)).id;
      const never = await draft({ scope: {}, reviewerIds: [reviewer.id] }, unsynced);
      const refused = await t.request('POST', `/api/v1/campaigns/${never}/launch`, {
        token: admin.token,
        body: {},
      });
      expect([refused.status, refused.body.code]).toEqual([409, 'stale_directory']);
      expect(refused.body.message).toContain('never synced');
      expect(
        (await t.request('POST', `/api/v1/campaigns/${never}/cancel`, { token: admin.token })).status,
      ).toBe(200);
      expect(
        (await t.request('DELETE', `/api/v1/connections/${unsynced}`, { token: BOOTSTRAP_TOKEN })).status,
      ).toBe(204);
    });

    describe('when a scheduled launch cannot go ahead', () => {
      let hook: StandIn;
      beforeAll(async () => {
        hook = await startStandIn((_r, res) => {
          res.statusCode = 200;
          res.end();
        });
        await createChannel(t, 'webhook', {
          url: `${hook.url}/hook`,
          secret: 'template-test-secret-0123456789',
        });
      });
      afterAll(() => hook.close());

      it('stays a draft, starts one sync, tells the admins once for the period, and launches at a later tick once fresh', async () => {
        const runsBefore = (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM directory_sync_runs WHERE connection_id = $1 AND trigger = 'scheduled'`,
            [connectionId],
          )
        ).rows[0].n;
        const created = await createTemplate(await templateBody({ maxSyncAgeHours: 0.000001 }));
        expect(created.status).toBe(201);
        const tpl = created.body;
        const [c] = await pollUntil(
          () => campaignsOf(tpl.id),
          (items) => items.length === 1,
          () => 'no campaign',
        );
        expect(c.status).toBe('draft');
        const failed = await pollUntil(
          () => deliveries(t, `&kind=campaign_launch_failed&recipientId=${admin.id}`),
          (items) => items.length > 0,
          () => 'no campaign_launch_failed for the admin',
        );
        await templateTicks(db, 2);
        // Still a draft; one notification per admin and channel however many ticks; one sync asked for.
        expect(
          (await t.request('GET', `/api/v1/campaigns/${c.id}`, { token: auditor.token })).body.status,
        ).toBe('draft');
        expect(await deliveries(t, `&kind=campaign_launch_failed&recipientId=${admin.id}`)).toHaveLength(
          failed.length,
        );
        expect(failed).toHaveLength(1);
        expect(await deliveries(t, `&kind=campaign_launch_failed&recipientId=${reviewer.id}`)).toHaveLength(
          0,
        );
        const runs = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM directory_sync_runs WHERE connection_id = $1 AND trigger = 'scheduled'`,
          [connectionId],
        );
        expect(runs.rows[0].n).toBe(runsBefore + 1);
        const sent = await pollUntil(
          async () => hook.requests.filter((r) => r.body.includes('campaign_launch_failed')),
          (r) => r.length > 0,
          () => 'the webhook got nothing',
        );
        const payload = JSON.parse(sent[0].body) as { data: Record<string, unknown>; links: { ui: string } };
        expect(payload.data).toMatchObject({
          campaignName: c.name,
          period: c.period,
          error: expect.stringContaining('maxSyncAgeHours'),
        });
        expect(payload.links.ui).toContain(`/admin/campaigns/${c.id}`);

        // Time passes in the fixture: the directory is fresh enough for this campaign now.
        await db.query(`UPDATE campaigns SET max_sync_age_hours = 24 WHERE id = $1`, [c.id]);
        const active = await waitForCampaign(t, auditor.token, c.id, 'active');
        expect(active.templateId).toBe(tpl.id);
        expect(await campaignsOf(tpl.id)).toHaveLength(1);
      });

      it('a template whose group is gone makes nothing at its next period and tells the admins why, once', async () => {
        const e = emu.emulator;
        const ext = e.createGroup({ name: `Leaving group ${Date.now()}` });
        for (const u of e.store.users.filter((x) => !x.deleted).slice(0, 2)) e.externalAddMember(ext, u.id);
        await syncNow(t, connectionId);
        const groupId = await localId(db, connectionId, 'directory_groups', ext);
        const created = await createTemplate(
          await templateBody({ schedule: { everyMonths: 1 }, scope: { groupIds: [groupId] } }),
        );
        expect(created.status).toBe(201);
        const id = created.body.id as string;
        const [first] = await pollUntil(
          () => campaignsOf(id),
          (items) => items.length === 1,
          () => 'no first campaign',
        );
        e.deleteGroup(ext);
        await syncNow(t, connectionId);

        // Next month, by the tick's own clock: the stored scope no longer passes POST /campaigns' rules.
        const next = new Date(new Date(created.body.currentPeriod.endsAt as string).getTime() + 3_600_000);
        const nextKey = periodAt({ everyMonths: 1, dayOfMonth: 1 }, next, next).key;
        const launches = t.app.get(TemplateLaunchesService);
        await launches.launchDue(next);
        await launches.launchDue(next);
        expect((await campaignsOf(id)).map((c) => c.id)).toEqual([first.id]);
        const told = (await deliveries(t, `&kind=campaign_launch_failed&recipientId=${admin.id}`)).filter(
          (n) => n.period === nextKey,
        );
        expect(told).toHaveLength(1);
        const sent = await pollUntil(
          async () =>
            hook.requests
              .map((r) => JSON.parse(r.body) as { kind: string; data: Record<string, unknown> })
              .filter((b) => b.kind === 'campaign_launch_failed' && b.data.templateId === id),
          (r) => r.length > 0,
          () => 'the webhook got nothing',
        );
        expect(sent[0].data).toMatchObject({
          period: nextKey,
          campaignId: null,
          error: expect.stringContaining('scope.groupIds'),
        });
      });
    });
  });
});
