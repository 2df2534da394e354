import { type InsightsEvent } from '../../jumpcloud';
import { latestSignIns, type SignIn, signInOf } from './sign-in.policy';

const T = '2026-11-01T10:00:00.000Z';
const user = { id: '5C86B7149FDCE00001D38014', type: 'user', email: 'ann@example.com' };
const ev = (over: Record<string, unknown>): InsightsEvent => ({
  id: 'e1',
  timestamp: T,
  event_type: 'sso_auth',
  initiated_by: user,
  ...over,
});

describe('signInOf', () => {
  it('an SSO sign-in names the user and application by lowercase JumpCloud id', () => {
    expect(signInOf(ev({ success: true, application: { id: 'APP1', name: 'zendesk' } }))).toEqual({
      user: '5c86b7149fdce00001d38014',
      application: 'app1',
      at: Date.parse(T),
    });
  });

  it('an SSO sign-in without a success field counts (the spec lists none); a failed one does not', () => {
    expect(signInOf(ev({ application: { id: 'a' } }))?.application).toBe('a');
    expect(signInOf(ev({ success: false, application: { id: 'a' } }))).toBeNull();
    expect(signInOf(ev({ success: true, sso_token_success: false, application: { id: 'a' } }))).toBeNull();
  });

  it('falls back to an application resource, else counts for the account alone', () => {
    expect(signInOf(ev({ resource: { id: 'r9', type: 'application' } }))?.application).toBe('r9');
    expect(signInOf(ev({ resource: { id: 'r9', type: 'user' } }))?.application).toBe('');
  });

  it('a portal login counts only when it says success: true', () => {
    const login = (success: unknown) => signInOf(ev({ event_type: 'user_login_attempt', success }));
    expect(login(true)).toEqual({ user: '5c86b7149fdce00001d38014', application: '', at: Date.parse(T) });
    expect(login(false)).toBeNull();
    expect(login(undefined)).toBeNull();
  });

  it('ignores administrators, unknown initiators, other event types and bad timestamps', () => {
    expect(signInOf(ev({ initiated_by: { id: 'x', type: 'admin' } }))).toBeNull();
    expect(signInOf(ev({ initiated_by: { type: 'user' } }))).toBeNull();
    expect(signInOf(ev({ initiated_by: 'nobody' }))).toBeNull();
    expect(signInOf(ev({ event_type: 'association_change' }))).toBeNull();
    expect(signInOf(ev({ timestamp: 'yesterday' }))).toBeNull();
    expect(signInOf(ev({ initiated_by: { id: 'U2', type: 'systemuser' } }))?.user).toBe('u2');
  });
});

describe('latestSignIns', () => {
  it('keeps the latest per user and application, whatever the order the events come in', () => {
    const m = new Map<string, SignIn>();
    latestSignIns(m, [
      ev({ id: '1', timestamp: '2026-11-02T00:00:00Z', application: { id: 'a' } }),
      ev({ id: '2', timestamp: '2026-11-01T00:00:00Z', application: { id: 'a' } }),
      ev({ id: '3', timestamp: '2026-11-03T00:00:00Z', application: { id: 'b' } }),
      ev({ id: '4', timestamp: '2026-11-05T00:00:00Z', application: { id: 'a' }, success: false }),
    ]);
    latestSignIns(m, [
      ev({ id: '5', timestamp: '2026-11-04T00:00:00Z', event_type: 'user_login_attempt', success: true }),
    ]);
    expect(Object.fromEntries([...m].map(([k, s]) => [k, new Date(s.at).toISOString()]))).toEqual({
      '5c86b7149fdce00001d38014|a': '2026-11-02T00:00:00.000Z',
      '5c86b7149fdce00001d38014|b': '2026-11-03T00:00:00.000Z',
      '5c86b7149fdce00001d38014|': '2026-11-04T00:00:00.000Z',
    });
  });
});
