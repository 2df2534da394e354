import { type Client } from 'pg';
import { type CampaignResponse } from '../../src/campaigns/dto/campaign.dto';
import { type RunningEmulator } from '../../src/emulator';
import { flushTestRedis, type TestApp } from '../helpers/app';
import { campaignBody, templateTicks, waitForCampaign } from '../helpers/campaigns';
import { syncNow } from '../helpers/jumpcloud';
import { localId, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { pollUntil } from '../helpers/poll';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';
import { startWorker, type WorkerProcess } from '../helpers/workers';

// Worker processes start with ts-node: on a loaded machine two of them take a while.
jest.setTimeout(180_000);

/**
 * A template's period launches once with real worker processes (API.md "Campaigns that run
 * themselves"): two workers ticking, a restart of every worker and a Redis flush still make one
 * campaign per period, and the database refuses a second one whatever the code does.
 */
describe('template launches with worker processes', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let groupIds: string[];
  const workers: WorkerProcess[] = [];

  const templateCampaigns = async (templateId: string) => {
    const res = await t.request('GET', `/api/v1/campaign-templates/${templateId}/campaigns?limit=500`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    return res.body.items as CampaignResponse[];
  };

  async function createTemplate(groupId: string, name: string): Promise<string> {
    const { dueAt: _dueAt, ...campaign } = campaignBody(connectionId, admin.id, {
      name,
      scope: { groupIds: [groupId] },
      reviewerStrategy: 'group_owner',
    });
    const res = await t.request('POST', '/api/v1/campaign-templates', {
      token: admin.token,
      body: { ...campaign, schedule: { everyMonths: 3 }, durationDays: 30 },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  const campaignsCreatedAudits = async (templateId: string) =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'campaign.created' AND data->>'templateId' = $1`,
        [templateId],
      )
    ).rows[0].n;

  beforeAll(async () => {
    // This process serves HTTP only: the workers tick, make and launch the campaigns.
    ({ emu, t, db, connectionId } = await startEmulatedOrg(
      { seed: 67, sizes: { users: 30, groups: 6, membershipsPerUser: 2, admins: 1, apps: 1 } },
      { env: { APP_ROLE: 'api' }, sync: false },
    ));
    workers.push(...(await Promise.all([startWorker(t, emu), startWorker(t, emu)])));
    await syncNow(t, connectionId);
    admin = await createPrincipal(t, { roles: ['admin'] });
    groupIds = [];
    for (const g of staticGroups(emu, 2))
      groupIds.push(await localId(db, connectionId, 'directory_groups', g.id));
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await stopEmulatedOrg({ db, t, emu });
  });

  it('two workers make and launch the period in progress once; a restart and a Redis flush add nothing', async () => {
    const id = await createTemplate(groupIds[0], 'Two workers');
    const [made] = await pollUntil(
      () => templateCampaigns(id),
      (items) => items.length > 0,
      () => 'no campaign was made',
    );
    await waitForCampaign(t, admin.token, made.id, 'active');
    await templateTicks(db, 2, 60_000);
    expect((await templateCampaigns(id)).map((c) => c.id)).toEqual([made.id]);

    while (workers.length > 0) await workers.pop()!.kill('SIGKILL');
    await flushTestRedis(t.redisUrl);
    workers.push(await startWorker(t, emu));
    await templateTicks(db, 2, 60_000);
    const after = await templateCampaigns(id);
    expect(after.map((c) => [c.id, c.status, c.period])).toEqual([[made.id, 'active', made.period]]);
    expect(await campaignsCreatedAudits(id)).toBe(1);
  });

  it('a template made while no worker runs launches once when two workers start at once after a flush', async () => {
    while (workers.length > 0) await workers.pop()!.kill('SIGKILL');
    const id = await createTemplate(groupIds[1], 'Cold start');
    await flushTestRedis(t.redisUrl);
    expect(await templateCampaigns(id)).toHaveLength(0);
    workers.push(...(await Promise.all([startWorker(t, emu), startWorker(t, emu)])));
    const [made] = await pollUntil(
      () => templateCampaigns(id),
      (items) => items.length > 0,
      () => 'no campaign was made',
    );
    await waitForCampaign(t, admin.token, made.id, 'active');
    // A worker killed mid-flight and restarted while the other keeps ticking.
    await workers.shift()!.kill('SIGKILL');
    workers.push(await startWorker(t, emu));
    await templateTicks(db, 2, 60_000);
    expect((await templateCampaigns(id)).map((c) => c.id)).toEqual([made.id]);
    expect(await campaignsCreatedAudits(id)).toBe(1);

    // The database is the guard: a second campaign for the same template and period is refused.
    await expect(
      db.query(
        `INSERT INTO campaigns (connection_id, name, reviewer_strategy, fallback_reviewer_ids, due_at,
           default_decision, auto_remediate, template_id, period)
         SELECT connection_id, name, reviewer_strategy, fallback_reviewer_ids, due_at, default_decision,
           auto_remediate, template_id, period FROM campaigns WHERE id = $1`,
        [made.id],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });
});
