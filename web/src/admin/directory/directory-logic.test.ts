import { describe, expect, it } from 'vitest';
import { accountName, changedByText, viewFromSearch, viewToSearch } from './directory-logic';

describe('directory filters in the address', () => {
  it('reads a shared link, falling back to defaults for unknown values', () => {
    expect(viewFromSearch(new URLSearchParams('tab=groups&q=eng&connectionId=c1'))).toEqual({
      tab: 'groups',
      accounts: { q: 'eng', kind: '', connectionId: 'c1' },
      groups: { q: 'eng', connectionId: 'c1' },
    });
    expect(viewFromSearch(new URLSearchParams('tab=nonsense&kind=robot')).tab).toBe('accounts');
    expect(viewFromSearch(new URLSearchParams('kind=robot')).accounts.kind).toBe('');
    expect(viewFromSearch(new URLSearchParams('kind=admin')).accounts.kind).toBe('admin');
  });

  it('writes only what differs from the defaults, and no kind for groups', () => {
    expect(viewToSearch('accounts', { q: '  ', connectionId: '', kind: '' }).toString()).toBe('');
    expect(viewToSearch('accounts', { q: ' ada ', connectionId: 'c1', kind: 'admin' }).toString()).toBe(
      'q=ada&kind=admin&connectionId=c1',
    );
    expect(viewToSearch('groups', { q: 'x', connectionId: '', kind: 'admin' }).toString()).toBe(
      'tab=groups&q=x',
    );
  });
});

describe('history wording', () => {
  const base = { action: 'added' as const, source: { type: 'sync' as const } };
  it("names jumpgate's own changes and what Directory Insights says of others", () => {
    expect(changedByText({ ...base, outside: false, changedBy: null })).toBe('jumpgate');
    expect(changedByText({ ...base, outside: true, changedBy: null })).toBe(
      'outside jumpgate (seen by a sync)',
    );
    expect(
      changedByText({ ...base, outside: true, changedBy: { type: 'admin', email: 'it@example.com' } }),
    ).toBe('outside jumpgate: it@example.com (a JumpCloud administrator)');
    expect(changedByText({ ...base, outside: true, changedBy: { type: 'scim' } })).toBe(
      'outside jumpgate: SCIM provisioning',
    );
  });

  it('names an account by display name, else email, else username, else id', () => {
    expect(accountName({ id: 'i', displayName: 'Ada', email: 'a@x' })).toBe('Ada');
    expect(accountName({ id: 'i', displayName: '', email: 'a@x' })).toBe('a@x');
    expect(accountName({ id: 'i', displayName: null, email: null, username: 'ada' })).toBe('ada');
    expect(accountName({ id: 'i' })).toBe('i');
  });
});
