import { type Client } from 'pg';
import { type AccountAccessResponse } from '../../src/campaigns/dto/account-access.dto';
import { type RunningEmulator } from '../../src/emulator';
import { type TestApp } from '../helpers/app';
import { putRequestablePolicy, requestAndApprove, waitForGrant } from '../helpers/grants';
import { localId, outsidersOf, staticGroups, startEmulatedOrg, stopEmulatedOrg } from '../helpers/org';
import { createPrincipal, type TestPrincipal } from '../helpers/principals';

/** API.md `GET /accounts/{id}/access`: what an account reaches, through which group, and who may ask. */
describe('effective access of an account', () => {
  let emu: RunningEmulator;
  let t: TestApp;
  let db: Client;
  let connectionId: string;
  let admin: TestPrincipal;
  let auditor: TestPrincipal;

  const accessOf = (accountId: string, token: string) =>
    t.request<AccountAccessResponse>('GET', `/api/v1/accounts/${accountId}/access`, { token });

  beforeAll(async () => {
    ({ emu, t, db, connectionId } = await startEmulatedOrg({
      seed: 4242,
      sizes: { users: 40, groups: 12, membershipsPerUser: 4, admins: 1, apps: 5 },
    }));
    admin = await createPrincipal(t, { roles: ['admin'] });
    auditor = await createPrincipal(t, { roles: ['auditor'] });
  });

  afterAll(() => stopEmulatedOrg({ db, t, emu }));

  it("lists the account's groups as the directory has them, and each application with the groups that give it", async () => {
    // The account in the most groups bound to applications: the answer has something to check.
    const { rows } = await db.query<{ account_id: string }>(
      `SELECT m.account_id FROM directory_memberships m
       JOIN directory_application_groups ag ON ag.group_id = m.group_id
       WHERE m.connection_id = $1 AND m.removed_at IS NULL
       GROUP BY m.account_id ORDER BY count(DISTINCT ag.application_id) DESC, count(*) DESC LIMIT 1`,
      [connectionId],
    );
    const accountId = rows[0].account_id;
    const res = await accessOf(accountId, auditor.token);
    expect(res.status).toBe(200);

    const account = await t.request('GET', `/api/v1/accounts/${accountId}`, { token: auditor.token });
    const groups = account.body.groups as { groupId: string; name: string; since: string }[];
    expect(
      res.body.groups.map((g) => ({ groupId: g.groupId, name: g.name, since: g.since })).sort(byId),
    ).toEqual([...groups].sort(byId));
    expect(res.body.groups.every((g) => g.grantId === null && g.certifiedUntil === null)).toBe(true);

    // Expected from /applications: each application bound to one of the account's groups.
    const mine = new Set(groups.map((g) => g.groupId));
    const apps = (
      await t.request('GET', `/api/v1/applications?limit=500&connectionId=${connectionId}`, {
        token: auditor.token,
      })
    ).body.items as { id: string; name: string; groups: { id: string; name: string }[] }[];
    const expected = apps
      .map((a) => ({
        id: a.id,
        name: a.name,
        via: a.groups.filter((g) => mine.has(g.id)).map((g) => ({ groupId: g.id, name: g.name })),
      }))
      .filter((a) => a.via.length > 0);
    expect(expected.length).toBeGreaterThan(0);
    const norm = (list: { id: string; via: { groupId: string }[] }[]) =>
      list
        .map((a) => ({ ...a, via: [...a.via].sort((x, y) => x.groupId.localeCompare(y.groupId)) }))
        .sort(byId);
    expect(norm(res.body.applications)).toEqual(norm(expected));
    // Applications come by name.
    const names = res.body.applications.map((a) => a.name);
    expect(names).toEqual([...names].sort((x, y) => x.localeCompare(y)));
  });

  it('shows the grant behind a just-in-time membership', async () => {
    const group = staticGroups(emu, 1).find((g) => !g.deleted)!;
    const groupId = await localId(db, connectionId, 'directory_groups', group.id);
    const owner = await createPrincipal(t);
    expect((await putRequestablePolicy(t, admin.token, groupId, [owner.id])).status).toBe(200);
    const outsider = outsidersOf(emu, group)[0];
    const accountId = await localId(db, connectionId, 'directory_accounts', outsider.id);
    const requester = await createPrincipal(t, { email: outsider.email });
    const before = await accessOf(accountId, requester.token);
    expect(before.body.groups.map((g) => g.groupId)).not.toContain(groupId);

    const { grantId } = await requestAndApprove(t, requester, owner, groupId);
    await waitForGrant(t, requester.token, grantId, 'active');
    const after = await accessOf(accountId, requester.token);
    expect(after.status).toBe(200);
    expect(after.body.groups.find((g) => g.groupId === groupId)).toMatchObject({
      groupId,
      name: group.name,
      grantId,
      certifiedUntil: null,
    });
  });

  it('a person reads their own accounts only; auditors and admins read any; bad ids are refused', async () => {
    const { rows } = await db.query<{ id: string; email: string }>(
      `SELECT id, email FROM directory_accounts WHERE connection_id = $1 AND kind = 'user' AND email IS NOT NULL
         AND removed_at IS NULL ORDER BY email LIMIT 2`,
      [connectionId],
    );
    const [mineRow, otherRow] = rows;
    const person = await createPrincipal(t, { email: mineRow.email.toUpperCase() });
    expect((await accessOf(mineRow.id, person.token)).status).toBe(200);
    const refused = await accessOf(otherRow.id, person.token);
    expect(refused.status).toBe(403);
    expect(refused.body).not.toHaveProperty('groups');
    expect((await accessOf(otherRow.id, admin.token)).status).toBe(200);
    expect((await accessOf(otherRow.id, auditor.token)).status).toBe(200);
    expect((await accessOf('00000000-0000-4000-8000-000000000009', admin.token)).status).toBe(404);
    expect((await accessOf('not-a-uuid', admin.token)).status).toBe(400);
    expect((await t.request('GET', `/api/v1/accounts/${otherRow.id}/access`)).status).toBe(401);
  });
});

const byId = <T extends { id?: string; groupId?: string }>(a: T, b: T): number =>
  (a.id ?? a.groupId ?? '').localeCompare(b.id ?? b.groupId ?? '');
