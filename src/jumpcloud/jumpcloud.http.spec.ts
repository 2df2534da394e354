import { backoffMs, retryAfterMs, type HttpResponse } from './jumpcloud.http';
import { errorDetailFromBody, mentionsOrganization } from './jumpcloud.errors';
import {
  parseApplication,
  parseGraphTarget,
  parseSystemUser,
  parseUserGroup,
  parseV2List,
} from './jumpcloud.parse';

const res = (headers: Record<string, string>): HttpResponse => ({ status: 429, headers, body: undefined });

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs(res({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(res({ 'retry-after': '0' }), now)).toBe(0);
    expect(retryAfterMs(res({ 'retry-after': new Date(now + 5000).toUTCString() }), now)).toBe(5000);
    expect(retryAfterMs(res({ 'retry-after': new Date(now - 5000).toUTCString() }), now)).toBe(0);
  });

  it('falls back to rate-limit reset headers, as a delay or an epoch', () => {
    expect(retryAfterMs(res({ 'x-ratelimit-reset': '2' }), now)).toBe(2000);
    expect(retryAfterMs(res({ 'ratelimit-reset': String(now / 1000 + 4) }), now)).toBe(4000);
  });

  it('gives nothing when nothing usable is announced', () => {
    expect(retryAfterMs(res({}), now)).toBeUndefined();
    expect(retryAfterMs(res({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles per attempt within [half, full] of the step, capped', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = Math.min(1000, 100 * 2 ** (attempt - 1));
      expect(backoffMs(attempt, 100, 1000, () => 0)).toBe(step / 2);
      expect(backoffMs(attempt, 100, 1000, () => 0.999999)).toBe(Math.round(step - (step / 2) * 0.000001));
    }
  });
});

describe('error bodies', () => {
  it('prefers message, then error_description, then error', () => {
    expect(
      errorDetailFromBody({ error: 'Unauthorized', message: 'Unauthorized: api key user not found' }),
    ).toBe('Unauthorized: api key user not found');
    expect(errorDetailFromBody({ error: 'invalid_client', error_description: 'bad secret' })).toBe(
      'bad secret',
    );
    expect(errorDetailFromBody({ error: 'Forbidden' })).toBe('Forbidden');
    expect(errorDetailFromBody('<html>')).toBeUndefined();
    expect(errorDetailFromBody({ message: 'x'.repeat(1000) })).toHaveLength(200);
  });

  it('recognises organisation-selection answers in either spelling', () => {
    expect(mentionsOrganization('Unauthorized: no organization selected')).toBe(true);
    expect(mentionsOrganization('Forbidden: organisation not allowed')).toBe(true);
    expect(mentionsOrganization('Forbidden: insufficient permissions')).toBe(false);
    expect(mentionsOrganization(undefined)).toBe(false);
  });
});

describe('lenient parsing (API-NOTES [INF] items read both ways)', () => {
  it('system users: state derived from flags when absent; nulls and empty strings become null', () => {
    expect(parseSystemUser({ _id: 'a', suspended: true }).state).toBe('SUSPENDED');
    expect(parseSystemUser({ _id: 'a', activated: false }).state).toBe('STAGED');
    expect(parseSystemUser({ _id: 'a', state: '' }).state).toBe('ACTIVATED');
    const u = parseSystemUser({ id: 'b', manager: null, department: '', admin: null, state: 'SUSPENDED' });
    expect(u).toMatchObject({ id: 'b', managerId: null, department: null, adminId: null, suspended: true });
    expect(() => parseSystemUser({ email: 'no-id@example.com' })).toThrow(/malformed/);
  });

  it('user groups: membershipMethod, or the 2023 membershipAutomated flag, nulls tolerated', () => {
    expect(
      parseUserGroup({ id: 'g', name: 'n', membershipMethod: 'DYNAMIC_AUTOMATED', memberQuery: null })
        .membershipMethod,
    ).toBe('DYNAMIC_AUTOMATED');
    expect(parseUserGroup({ id: 'g', name: 'n', membershipAutomated: true }).membershipMethod).toBe(
      'DYNAMIC_AUTOMATED',
    );
    expect(parseUserGroup({ id: 'g', name: 'n', membershipMethod: 'FUTURE' }).membershipMethod).toBe(
      'NOTSET',
    );
  });

  it('graph connections: to.id, attributes null or absent, from optional', () => {
    expect(parseGraphTarget({ to: { id: 'u', type: 'user' }, attributes: null }, 'm')).toEqual({
      id: 'u',
      type: 'user',
    });
    expect(parseGraphTarget({ from: { id: 'g', type: 'user_group' }, to: { id: 'u' } }, 'm')).toEqual({
      id: 'u',
      type: 'user',
    });
    expect(() => parseGraphTarget({ attributes: {} }, 'm')).toThrow(/malformed/);
  });

  it('applications: label is displayLabel, else displayName, else name', () => {
    expect(
      parseApplication({ _id: 'a', name: 'slack', displayName: 'Slack', displayLabel: 'Slack EU' }).label,
    ).toBe('Slack EU');
    expect(parseApplication({ _id: 'a', name: 'slack', displayName: 'Slack' }).label).toBe('Slack');
    expect(parseApplication({ _id: 'a', name: 'slack' }).label).toBe('slack');
  });

  it('v2 lists: a bare array, or the {results, totalCount} envelope', () => {
    expect(parseV2List([1, 2], 'x')).toEqual({ results: [1, 2], totalCount: null });
    expect(parseV2List({ results: [1], totalCount: 9 }, 'x')).toEqual({ results: [1], totalCount: 9 });
    expect(() => parseV2List({ nope: true }, 'x')).toThrow(/malformed/);
  });
});
