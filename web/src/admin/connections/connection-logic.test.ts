import { describe, expect, it } from 'vitest';
import {
  connectionProblems,
  EMPTY_CONNECTION,
  heldSummary,
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
