import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../api/types';
import { requestProblems, searchCatalog } from './access-logic';

const entry = (name: string, apps: string[], over: Partial<CatalogEntry> = {}): CatalogEntry => ({
  group: { id: name, name, applications: apps.map((a) => ({ id: a, name: a })) },
  maxDurationMinutes: 60,
  defaultDurationMinutes: 30,
  requireJustification: false,
  ...over,
});

describe('access request logic', () => {
  const catalog = [
    entry('Prod DB admins', ['Postgres console']),
    entry('Finance', ['NetSuite', 'Expensify']),
  ];

  it('searches group and application names, every word', () => {
    expect(searchCatalog(catalog, 'net').map((e) => e.group.name)).toEqual(['Finance']);
    expect(searchCatalog(catalog, 'prod console').map((e) => e.group.name)).toEqual(['Prod DB admins']);
    expect(searchCatalog(catalog, 'prod netsuite')).toEqual([]);
    expect(searchCatalog(catalog, '  ')).toHaveLength(2);
  });

  it('holds a request to the policy: duration within it, justification where required', () => {
    const strict = entry('X', [], { requireJustification: true });
    expect(requestProblems(strict, 30, 'on call')).toEqual([]);
    expect(requestProblems(strict, 61, 'on call')).toEqual(['The policy allows at most 60 minutes.']);
    expect(requestProblems(strict, 0, '')).toEqual([
      'Give a duration of at least one minute.',
      'This group needs a justification.',
    ]);
    expect(requestProblems(entry('Y', []), null, '')).toEqual(['Give a duration of at least one minute.']);
    expect(requestProblems(entry('Y', []), 2.5, '')).toEqual(['Give a duration of at least one minute.']);
  });
});
