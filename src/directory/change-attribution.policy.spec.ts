import { changedByOf, parseAssociationChange } from './change-attribution.policy';

const event = (over: Record<string, unknown> = {}) => ({
  id: 'e1',
  timestamp: '2026-12-01T10:00:00.000Z',
  event_type: 'association_change',
  initiated_by: { id: 'a1', type: 'admin', email: 'it@example.com' },
  association: {
    op: 'add',
    connection: {
      from: { type: 'user_group', object_id: 'G1', name: 'eng' },
      to: { type: 'user', object_id: 'U1', name: 'ada' },
    },
  },
  ...over,
});

describe('parseAssociationChange', () => {
  it('reads a user-group add or remove in either direction, ids lowercased', () => {
    expect(parseAssociationChange(event())).toEqual({
      groupExternalId: 'g1',
      userExternalId: 'u1',
      op: 'add',
      at: new Date('2026-12-01T10:00:00.000Z'),
      by: { type: 'admin', email: 'it@example.com' },
    });
    const reversed = parseAssociationChange(
      event({
        association: {
          op: 'remove',
          connection: { from: { type: 'user', id: 'u2' }, to: { type: 'user_group', id: 'g2' } },
        },
      }),
    );
    expect(reversed).toMatchObject({ groupExternalId: 'g2', userExternalId: 'u2', op: 'remove' });
  });

  it('says nothing of events it cannot interpret', () => {
    expect(parseAssociationChange(event({ event_type: 'user_update' }))).toBeNull();
    expect(parseAssociationChange(event({ timestamp: 'yesterday' }))).toBeNull();
    expect(parseAssociationChange(event({ association: { op: 'update', connection: {} } }))).toBeNull();
    // A system bound to a group is not a membership.
    expect(
      parseAssociationChange(
        event({
          association: {
            op: 'add',
            connection: { from: { type: 'user_group', id: 'g' }, to: { type: 'system', id: 's' } },
          },
        }),
      ),
    ).toBeNull();
    expect(parseAssociationChange(event({ association: null }))).toBeNull();
  });
});

describe('changedByOf', () => {
  it('names administrators, API keys and service accounts, SCIM sources; else unknown', () => {
    expect(changedByOf({ initiated_by: { type: 'admin', email: 'a@x', name: 'Ann' } })).toEqual({
      type: 'admin',
      email: 'a@x',
      name: 'Ann',
    });
    expect(changedByOf({ initiated_by: { type: 'api_key' } })).toEqual({ type: 'api_key' });
    expect(changedByOf({ initiated_by: { type: 'api', email: 'k@x' } })).toEqual({
      type: 'api_key',
      email: 'k@x',
    });
    expect(changedByOf({ initiated_by: { type: 'service_account' } })).toEqual({ type: 'api_key' });
    expect(changedByOf({ initiated_by: { type: 'scim' } })).toEqual({ type: 'scim' });
    expect(changedByOf({ initiated_by: { type: 'provider', source: 'jumpcloud:scim' } })).toEqual({
      type: 'scim',
      name: 'jumpcloud:scim',
    });
    expect(changedByOf({ initiated_by: { type: 'system' } })).toEqual({ type: 'unknown' });
    expect(changedByOf({})).toEqual({ type: 'unknown' });
  });
});
