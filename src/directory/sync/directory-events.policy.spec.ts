import { type InsightsEvent } from '../../jumpcloud';
import { parseAssociationChange } from '../change-attribution.policy';
import { associationEnds, emptyTouches, estimatedCalls, interpretEvent } from './directory-events.policy';

let seq = 0;
const ev = (event_type: string, rest: Record<string, unknown> = {}): InsightsEvent => ({
  id: `e${++seq}`,
  timestamp: '2026-12-06T12:00:00.000Z',
  event_type,
  ...rest,
});
const link = (from: [string, string], to: [string, string], key = 'object_id') => ({
  association: {
    op: 'add',
    connection: { from: { type: from[0], [key]: from[1] }, to: { type: to[0], [key]: to[1] } },
  },
});

describe('interpretEvent', () => {
  it('user, group and application events name the object to read again', () => {
    const t = emptyTouches();
    for (const type of ['user_create', 'user_update', 'user_suspended', 'user_unsuspended', 'user_delete']) {
      interpretEvent(t, ev(type, { resource: { id: `U-${type}`, type: 'user' } }));
    }
    interpretEvent(t, ev('group_update', { resource: { id: 'g1', type: 'user_group' } }));
    interpretEvent(t, ev('application_create', { resource: { id: 'a1', type: 'application' } }));
    expect([...t.users]).toEqual([
      'u-user_create',
      'u-user_update',
      'u-user_suspended',
      'u-user_unsuspended',
      'u-user_delete',
    ]);
    expect([...t.groups]).toEqual(['g1']);
    expect([...t.applications]).toEqual(['a1']);
    expect(t).toMatchObject({ events: 7, uninterpreted: 0 });
  });

  it('a membership change re-lists its group, in either direction and with `id` or `object_id`', () => {
    const t = emptyTouches();
    interpretEvent(t, ev('association_change', link(['user_group', 'g1'], ['user', 'u1'])));
    interpretEvent(t, ev('association_change', link(['user', 'u2'], ['user_group', 'g2'], 'id')));
    expect([...t.memberGroups]).toEqual(['g1', 'g2']);
    expect(t.users.size + t.groups.size).toBe(0);
  });

  it('a membership change in any spelling attribution reads (usergroup, system_user) re-lists its group too', () => {
    const t = emptyTouches();
    const events = [
      ev('association_change', link(['usergroup', 'G3'], ['system_user', 'U3'])),
      ev('association_change', link(['user', 'u4'], ['group', 'g4'], 'id')),
    ];
    for (const e of events) interpretEvent(t, e);
    expect([...t.memberGroups]).toEqual(['g3', 'g4']);
    // The same events are the changes attribution stamps, about the same group and user.
    expect(events.map((e) => parseAssociationChange(e))).toEqual([
      expect.objectContaining({ groupExternalId: 'g3', userExternalId: 'u3' }),
      expect.objectContaining({ groupExternalId: 'g4', userExternalId: 'u4' }),
    ]);
    expect(associationEnds(events[0])).toEqual({ group: 'g3', user: 'u3', application: null });
  });

  it('a binding between an application and a group re-lists the application’s bindings', () => {
    const t = emptyTouches();
    interpretEvent(t, ev('association_change', link(['application', 'a1'], ['user_group', 'g1'])));
    expect([...t.applications]).toEqual(['a1']);
    expect(t.memberGroups.size).toBe(0);
  });

  it('bindings jumpgate does not copy and other services’ events change nothing', () => {
    const t = emptyTouches();
    interpretEvent(t, ev('association_change', link(['system', 's1'], ['user_group', 'g1'])));
    interpretEvent(t, ev('association_change', link(['application', 'a1'], ['user', 'u1'])));
    interpretEvent(t, ev('user_login_attempt', { resource: { id: 'u1', type: 'user' } }));
    interpretEvent(t, ev('sso_auth', { resource: { id: 'a1', type: 'application' } }));
    expect(t.users.size + t.groups.size + t.memberGroups.size + t.applications.size).toBe(0);
    expect(t).toMatchObject({ events: 4, uninterpreted: 0 });
  });

  it('an association it cannot read re-lists the group it concerns; with nothing to go on it is uninterpreted', () => {
    const t = emptyTouches();
    interpretEvent(t, ev('association_change', { resource: { id: 'g9', type: 'user_group' } }));
    expect([...t.memberGroups]).toEqual(['g9']);
    interpretEvent(t, ev('association_change', {}));
    interpretEvent(t, ev('user_update', { resource: { type: 'user' } }));
    interpretEvent(t, ev('user_import', {}));
    expect(t.uninterpreted).toBe(3);
  });

  it('an event read twice (the overlap window) counts once', () => {
    const t = emptyTouches();
    const e = ev('user_update', { resource: { id: 'u1' } });
    interpretEvent(t, e);
    interpretEvent(t, e);
    expect(t.events).toBe(1);
  });

  it('estimates the calls re-reading costs', () => {
    const t = emptyTouches();
    interpretEvent(t, ev('user_update', { resource: { id: 'u1' } }));
    interpretEvent(t, ev('group_update', { resource: { id: 'g1' } }));
    interpretEvent(t, ev('association_change', link(['user_group', 'g2'], ['user', 'u1'])));
    // 2 event pages + organisation, administrators, applications + 1 user + 2 for a group + 1 listing.
    expect(estimatedCalls(t, 2)).toBe(2 + 3 + 1 + 2 + 1);
  });
});
