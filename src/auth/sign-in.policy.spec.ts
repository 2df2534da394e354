import {
  decideSignIn,
  type PrincipalFacts,
  rolesFromGroups,
  safeReturnTo,
  sameRoles,
  type SignInFacts,
} from './sign-in.policy';

const person = (over: Partial<PrincipalFacts> = {}): PrincipalFacts => ({
  id: 'p1',
  email: 'ada@example.com',
  kind: 'person',
  disabled: false,
  bound: false,
  ...over,
});

const facts = (over: Partial<SignInFacts> = {}): SignInFacts => ({
  bound: null,
  email: 'ada@example.com',
  emailVerified: true,
  byEmail: null,
  emailStatus: 'active',
  boundEmailStatus: 'none',
  ...over,
});

describe('decideSignIn', () => {
  it('creates a person at first sign-in when an active account has the verified email', () => {
    expect(decideSignIn(facts())).toEqual({ kind: 'create', email: 'ada@example.com' });
    // An absent email_verified claim is not false.
    expect(decideSignIn(facts({ emailVerified: undefined }))).toEqual({
      kind: 'create',
      email: 'ada@example.com',
    });
  });

  it('refuses without an account (no_account) or with only inactive ones (account_inactive)', () => {
    expect(decideSignIn(facts({ emailStatus: 'none' }))).toEqual({ kind: 'refuse', code: 'no_account' });
    expect(decideSignIn(facts({ emailStatus: 'inactive' }))).toEqual({
      kind: 'refuse',
      code: 'account_inactive',
    });
  });

  it('refuses an unverified or missing email', () => {
    expect(decideSignIn(facts({ emailVerified: false }))).toEqual({
      kind: 'refuse',
      code: 'email_unverified',
    });
    expect(decideSignIn(facts({ email: null }))).toEqual({ kind: 'refuse', code: 'email_unverified' });
  });

  it('binds an unbound person with the email, unless disabled', () => {
    expect(decideSignIn(facts({ byEmail: person() }))).toEqual({ kind: 'bind', principalId: 'p1' });
    expect(decideSignIn(facts({ byEmail: person({ disabled: true }) }))).toEqual({
      kind: 'refuse',
      code: 'principal_disabled',
    });
    expect(decideSignIn(facts({ byEmail: person(), emailStatus: 'inactive' }))).toEqual({
      kind: 'refuse',
      code: 'account_inactive',
    });
  });

  it('refuses a second subject for a bound email, and a service principal with the email', () => {
    expect(decideSignIn(facts({ byEmail: person({ bound: true }) }))).toEqual({
      kind: 'refuse',
      code: 'identity_conflict',
    });
    expect(decideSignIn(facts({ byEmail: person({ kind: 'service' }) }))).toEqual({
      kind: 'refuse',
      code: 'identity_conflict',
    });
  });

  it('looks up (issuer, sub) first: a bound principal signs in under its own email', () => {
    const bound = person({ bound: true });
    expect(decideSignIn(facts({ bound, byEmail: bound, boundEmailStatus: 'active' }))).toEqual({
      kind: 'bound',
      principalId: 'p1',
      newEmail: null,
    });
    expect(decideSignIn(facts({ bound: { ...bound, disabled: true } }))).toEqual({
      kind: 'refuse',
      code: 'principal_disabled',
    });
    expect(decideSignIn(facts({ bound, boundEmailStatus: 'inactive' }))).toEqual({
      kind: 'refuse',
      code: 'account_inactive',
    });
  });

  it('takes a changed email only when an active account has it and no other principal does', () => {
    const bound = person({ bound: true });
    const changed = { bound, email: 'ada.l@example.com', boundEmailStatus: 'active' as const };
    expect(decideSignIn(facts({ ...changed, emailStatus: 'active' }))).toEqual({
      kind: 'bound',
      principalId: 'p1',
      newEmail: 'ada.l@example.com',
    });
    expect(decideSignIn(facts({ ...changed, emailStatus: 'none' }))).toEqual({
      kind: 'bound',
      principalId: 'p1',
      newEmail: null,
    });
    expect(decideSignIn(facts({ ...changed, emailStatus: 'active', emailVerified: false }))).toMatchObject({
      newEmail: null,
    });
    expect(decideSignIn(facts({ ...changed, byEmail: person({ id: 'p2' }) }))).toEqual({
      kind: 'refuse',
      code: 'identity_conflict',
    });
  });
});

describe('rolesFromGroups', () => {
  it('gives admin and auditor from the configured groups only', () => {
    expect(rolesFromGroups(['g1'], ['g1'], ['g2'])).toEqual(['admin']);
    expect(rolesFromGroups(['g1', 'g2'], ['g1'], ['g2'])).toEqual(['admin', 'auditor']);
    expect(rolesFromGroups(['g3'], ['g1'], ['g2'])).toEqual([]);
    expect(rolesFromGroups([], [], [])).toEqual([]);
  });

  it('compares role sets regardless of order', () => {
    expect(sameRoles(['admin', 'auditor'], ['auditor', 'admin'])).toBe(true);
    expect(sameRoles(['admin'], ['admin', 'auditor'])).toBe(false);
  });
});

describe('safeReturnTo', () => {
  it.each(['/', '/reviews', '/access?tab=mine#x', '/a/b'])('keeps the path %s', (v) => {
    expect(safeReturnTo(v)).toBe(v);
  });

  it.each([
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    'reviews',
    '',
    'javascript:alert(1)',
    '/ok\r\nSet-Cookie: x=1',
    undefined,
    ['/a'],
  ])('falls back to / for %p', (v) => {
    expect(safeReturnTo(v)).toBe('/');
  });
});
