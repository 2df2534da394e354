import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { clientFor, failure, type AuthMode } from './helpers';

const SIZES = { users: 20, groups: 6, membershipsPerUser: 2, admins: 2, apps: 1 };

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ seed: 31, sizes: SIZES });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.emulator.reseed(31, SIZES);
});

function staticGroup(): string {
  const s = emu.emulator.store;
  const g = s
    .groupSlots()
    .map((i) => s.groups[i])
    .find((x) => x.membershipMethod === 'STATIC');
  if (!g) throw new Error('no static group');
  return g.id;
}

function nonMember(groupId: string): string {
  const s = emu.emulator.store;
  const gs = s.groupSlot(groupId)!;
  const u = s.userSlots().find((slot) => !s.isMember(gs, slot));
  if (u === undefined) throw new Error('everyone is a member');
  return s.users[u].id;
}

function members(groupId: string): string[] {
  const s = emu.emulator.store;
  const g = s.groups[s.groupSlot(groupId)!];
  return Array.from(g.members.subarray(0, g.size), (slot) => s.users[slot].id);
}

describe.each<AuthMode>(['api_key', 'service_account'])('membership writes with %s', (mode) => {
  it('add, add again (409 = success), remove, remove again (404 = success)', async () => {
    const client = clientFor(emu, mode);
    const group = staticGroup();
    const user = nonMember(group);
    expect(await client.addUserToGroup(group, user)).toBe('added');
    expect(members(group)).toContain(user);
    expect(await client.addUserToGroup(group, user)).toBe('already_member');
    expect(await client.removeUserFromGroup(group, user)).toBe('removed');
    expect(members(group)).not.toContain(user);
    expect(await client.removeUserFromGroup(group, user)).toBe('not_member');
    // Four calls, two effective changes: the emulator counts them apart.
    expect(emu.emulator.membership).toEqual({ calls: 4, added: 1, removed: 1 });
    const posts = emu.emulator.requests().filter((e) => e.method === 'POST' && e.path.endsWith('/members'));
    expect(posts.map((e) => e.status)).toEqual([204, 409, 204, 404]);
    expect(posts.every((e) => e.orgIdHeader === emu.credentials.orgId)).toBe(true);
  });

  it('later reads reflect the write', async () => {
    const client = clientFor(emu, mode);
    const group = staticGroup();
    const user = nonMember(group);
    await client.addUserToGroup(group, user);
    const ids: string[] = [];
    for await (const p of client.listGroupMembers(group)) ids.push(...p.items.map((m) => m.id));
    expect(ids).toContain(user);
    expect(ids).toEqual(members(group));
  });

  it('removing from an unknown group is not_found, not success', async () => {
    const client = clientFor(emu, mode);
    const user = emu.emulator.store.users[0].id;
    expect((await failure(client.removeUserFromGroup('ffffffffffffffffffffffff', user))).code).toBe(
      'not_found',
    );
    expect((await failure(client.addUserToGroup('ffffffffffffffffffffffff', user))).code).toBe('not_found');
  });

  it('403 on a write is missing_permission (groups)', async () => {
    emu.emulator.setDenied('all', ['groups.write']);
    const client = clientFor(emu, mode);
    const group = staticGroup();
    // Reads still work: write permission cannot be seen from reads.
    await client.checkAccess();
    const e = await failure(client.addUserToGroup(group, nonMember(group)));
    expect(e.code).toBe('missing_permission');
    expect(e.area).toBe('groups');
    expect(e.status).toBe(403);
  });

  it('a 500 on a write is retried; the change is made once', async () => {
    const client = clientFor(emu, mode);
    const group = staticGroup();
    const user = nonMember(group);
    emu.emulator.addFault({ kind: 'server_error', count: 2, method: 'POST', path: '/members$' });
    expect(await client.addUserToGroup(group, user)).toBe('added');
    expect(emu.emulator.membership).toEqual({ calls: 1, added: 1, removed: 0 });
    expect(members(group).filter((m) => m === user)).toHaveLength(1);
  });

  it('a write whose answer is lost (timeout) is retried and the 409 counts as done', async () => {
    const client = clientFor(emu, mode, { timeoutMs: 200 });
    const group = staticGroup();
    const user = nonMember(group);
    // The emulator applies the change after 400 ms, when the client has already given up.
    emu.emulator.addFault({ kind: 'hang', count: 1, hangMs: 400, method: 'POST', path: '/members$' });
    const outcome = await client.addUserToGroup(group, user);
    expect(['added', 'already_member']).toContain(outcome);
    await new Promise((r) => setTimeout(r, 300));
    expect(members(group).filter((m) => m === user)).toHaveLength(1);
    expect(emu.emulator.membership.added).toBe(1);
  });

  it('a persistent 5xx on a write ends as unavailable', async () => {
    const client = clientFor(emu, mode, { maxAttempts: 3 });
    emu.emulator.addFault({ kind: 'server_error', method: 'POST', path: '/members$' });
    const group = staticGroup();
    const e = await failure(client.removeUserFromGroup(group, members(group)[0]));
    expect(e.code).toBe('unavailable');
    expect(emu.emulator.requests().filter((r) => r.path.endsWith('/members'))).toHaveLength(3);
  });
});
