import { describe, expect, it } from 'vitest';
import {
  connectionProblems,
  EMPTY_CONNECTION,
  heldPage,
  heldSummary,
  insightsSentence,
  type SyncRun,
  toConnectionBody,
} from './connection-logic';

describe('connection form', () => {
  it('asks for the credential of the chosen kind only', () => {
    const f = { ...EMPTY_CONNECTION, name: 'Prod', orgId: 'org1' };
    expect(connectionProblems(f)).toEqual(["Give the service account's client id and secret."]);
    expect(connectionProblems({ ...f, credentialType: 'api_key' })).toEqual(['Give the API key.']);
    expect(connectionProblems({ ...f, clientId: 'c', clientSecret: 's' })).toEqual([]);
  });

  it('sends the secret of the chosen kind and never the other', () => {
    const f = {
      ...EMPTY_CONNECTION,
      name: ' Prod ',
      orgId: 'org1',
      clientId: 'c',
      clientSecret: 's',
      apiKey: 'k',
    };
    expect(toConnectionBody(f)).toEqual({
      name: 'Prod',
      orgId: 'org1',
      region: 'us',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(toConnectionBody({ ...f, credentialType: 'api_key' })).toEqual({
      name: 'Prod',
      orgId: 'org1',
      region: 'us',
      apiKey: 'k',
    });
  });
});

describe('held removals', () => {
  it('says what a run held, or nothing', () => {
    const run = (held: SyncRun['held']) => ({ held }) as SyncRun;
    expect(heldSummary(run(null))).toBeNull();
    expect(heldSummary(run({ accounts: 0, memberships: 12 }))).toBe('Held: 12 membership removals');
  });
});

describe('held removals', () => {
  it('pages the list and asks for each account and group of the page once', () => {
    const a = '00000000-0000-4000-8000-00000000000a';
    const b = '00000000-0000-4000-8000-00000000000b';
    const g = '00000000-0000-4000-8000-0000000000f1';
    const items = [
      { kind: 'account' as const, accountId: a, groupId: null },
      { kind: 'membership' as const, accountId: a, groupId: g },
      { kind: 'membership' as const, accountId: b, groupId: g },
    ];
    expect(heldPage(items, 0, 2)).toEqual({
      rows: items.slice(0, 2),
      accountIds: [a],
      groupIds: [g],
      pages: 2,
    });
    expect(heldPage(items, 1, 2)).toMatchObject({ rows: [items[2]], accountIds: [b], groupIds: [g] });
  });
});

describe('Directory Insights state', () => {
  it('says what each state turns on or off', () => {
    expect(insightsSentence('readable')).toMatch(
      /^Directory Insights is readable: sign-in activity and who changed/,
    );
    expect(insightsSentence('forbidden')).toBe(
      "The API key's role cannot read Directory Insights; activity, attribution and incremental sync are off.",
    );
    expect(insightsSentence('unavailable')).toMatch(
      /did not answer.*activity, attribution and incremental sync are off/,
    );
  });
});
