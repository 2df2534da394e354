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

  it('a write whose answer is lost (timeout) is retried, and a 409 then is our own add landing', async () => {
    const client = clientFor(emu, mode, { timeoutMs: 200 });
    const group = staticGroup();
    const user = nonMember(group);
    // The emulator applies the change after 400 ms, when the client has already given up; the retry
    // is held back by a 429 (refused before any work) until then, so it meets the landed member.
    emu.emulator.addFault({ kind: 'hang', count: 1, hangMs: 400, method: 'POST', path: '/members$' });
    emu.emulator.addFault({
      kind: 'rate_limit',
      count: 1,
      retryAfterSeconds: 1,
      method: 'POST',
      path: '/members$',
    });
    expect(await client.addUserToGroup(group, user)).toBe('added');
    const posts = emu.emulator.requests().filter((e) => e.method === 'POST' && e.path.endsWith('/members'));
    expect(posts.map((e) => e.status).slice(1)).toEqual([429, 409]);
    expect(members(group).filter((m) => m === user)).toHaveLength(1);
    expect(emu.emulator.membership.added).toBe(1);
  });

  it("a 409 on the first attempt is someone else's membership (already_member), also in a race", async () => {
    const client = clientFor(emu, mode);
    const group = staticGroup();
    const user = nonMember(group);
    emu.emulator.addFault({ kind: 'concurrent_write', count: 1, method: 'POST', path: '/members$' });
    expect(await client.isGroupMember(group, user)).toBe(false);
    expect(await client.addUserToGroup(group, user)).toBe('already_member');
    expect(emu.emulator.membership).toEqual({ calls: 1, added: 0, removed: 0 });
    expect(emu.emulator.stats().external.added).toBe(1);
    // A 429 first changes nothing: it was refused before any work.
    const other = nonMember(group);
    emu.emulator.externalAddMember(group, other);
    emu.emulator.addFault({
      kind: 'rate_limit',
      count: 1,
      retryAfterSeconds: 0,
      method: 'POST',
      path: '/members$',
    });
    expect(await client.addUserToGroup(group, other)).toBe('already_member');
  });

  it('a write that fails after an attempt that may have landed says so; one refused outright does not', async () => {
    const client = clientFor(emu, mode, { maxAttempts: 2 });
    const group = staticGroup();
    emu.emulator.addFault({ kind: 'server_error', method: 'POST', path: '/members$' });
    const e = await failure(client.addUserToGroup(group, nonMember(group)));
    expect([e.code, e.mayHaveLanded]).toEqual(['unavailable', true]);
    emu.emulator.clearFaults();
    emu.emulator.addFault({ kind: 'rate_limit', retryAfterSeconds: 0, method: 'POST', path: '/members$' });
    const limited = await failure(client.addUserToGroup(group, nonMember(group)));
    expect([limited.code, limited.mayHaveLanded]).toEqual(['rate_limited', false]);
    emu.emulator.clearFaults();
    emu.emulator.setDenied('all', ['groups.write']);
    const denied = await failure(client.addUserToGroup(group, nonMember(group)));
    expect([denied.code, denied.mayHaveLanded]).toEqual(['missing_permission', false]);
  });

  it('reads one membership in JumpCloud with one filtered call (users/{id}/memberof)', async () => {
    const client = clientFor(emu, mode);
    const group = staticGroup();
    const member = members(group)[0];
    const outsider = nonMember(group);
    const seq = emu.emulator.lastSeq;
    expect(await client.isGroupMember(group, member)).toBe(true);
    expect(await client.isGroupMember(group, outsider)).toBe(false);
    const reads = emu.emulator.requests({ since: seq }).filter((r) => r.route !== '/oauth2/token');
    expect(
      reads.map((r) => [r.method, r.path, new URLSearchParams(r.query).get('filter'), r.status]),
    ).toEqual([
      ['GET', `/api/v2/users/${member}/memberof`, `object_id:eq:${group}`, 200],
      ['GET', `/api/v2/users/${outsider}/memberof`, `object_id:eq:${group}`, 200],
    ]);
    expect((await failure(client.isGroupMember(group, 'ffffffffffffffffffffffff'))).code).toBe('not_found');
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
