import { type Client } from 'pg';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { campaignBody, campaignItems, launchCampaign } from '../helpers/campaigns';
import { startEmulatedOrg, stopEmulatedOrg, untilActivityRead } from '../helpers/org';
import { BOOTSTRAP_TOKEN, createPrincipal, type TestPrincipal } from '../helpers/principals';

const SIZES = { users: 30, groups: 6, membershipsPerUser: 2, admins: 2, apps: 3 };

/** Review items carry live sign-in activity (API.md "Campaigns that run themselves", review item fields). */
describe('review items with sign-in activity', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let reviewer: TestPrincipal;

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({ seed: 24, sizes: SIZES }));
    await untilActivityRead(db, connectionId);
    admin = await createPrincipal(t, { roles: ['admin'] });
    reviewer = await createPrincipal(t);
  });
  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it('items list, /reviews (JSON by Postgres) and a decision all give the activity the account route gives', async () => {
    const campaign = await launchCampaign(
      t,
      admin,
      admin,
      campaignBody(connectionId, reviewer.id, { reviewerIds: [reviewer.id] }),
    );
    const items = await campaignItems(t, admin.token, campaign.id);
    expect(items.length).toBeGreaterThan(10);
    let seen = 0;
    for (const item of items) {
      const act = (
        await t.request('GET', `/api/v1/accounts/${item.account.id}/activity`, { token: BOOTSTRAP_TOKEN })
      ).body;
      expect(item.account.lastSignInAt).toBe(act.lastSignInAt);
      for (const app of item.group?.applications ?? []) {
        const want = act.applications.find((a: { id: string }) => a.id === app.id)?.lastSignInAt ?? null;
        expect({ app: app.id, at: app.lastSignInAt }).toEqual({ app: app.id, at: want });
        if (want !== null) seen++;
      }
    }
    expect(seen).toBeGreaterThan(3);
    const reviews = (await t.request('GET', '/api/v1/reviews?limit=500', { token: reviewer.token })).body
      .items;
    expect(reviews).toEqual(items);
    const decided = await t.request('POST', `/api/v1/review-items/${items[0].id}/decision`, {
      token: reviewer.token,
      body: { decision: 'keep' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.account.lastSignInAt).toBe(items[0].account.lastSignInAt);
    expect(decided.body.group.applications).toEqual(items[0].group?.applications);
  });
});
