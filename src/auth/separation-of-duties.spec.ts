import { type Actor } from '../platform/actor';
import { isSamePerson, separationOfDutiesViolation } from './separation-of-duties';

const admin: Actor = {
  type: 'principal',
  id: 'p1',
  email: 'Ada@Example.com',
  roles: ['admin'],
  isBootstrap: false,
  auth: { via: 'token', tokenId: 't1' },
};

describe('separationOfDutiesViolation', () => {
  it('refuses a decision about the actor’s own account, case-insensitively, admins included', () => {
    expect(separationOfDutiesViolation(admin, { accountEmails: ['ada@example.COM '] })).toMatch(/own access/);
  });

  it('refuses approving a request the actor made for someone else', () => {
    expect(
      separationOfDutiesViolation(admin, { accountEmails: ['bob@example.com'], principalIds: ['p1'] }),
    ).toMatch(/you made/);
  });

  it('allows deciding about someone else', () => {
    expect(
      separationOfDutiesViolation(admin, { accountEmails: ['bob@example.com', null], principalIds: ['p2'] }),
    ).toBeNull();
  });

  it('does not apply to the system (expiry, close)', () => {
    expect(
      separationOfDutiesViolation({ type: 'system', id: 'tick' }, { accountEmails: ['ada@example.com'] }),
    ).toBeNull();
  });

  it('compares people by email', () => {
    expect(isSamePerson('a@x.io', 'A@X.IO')).toBe(true);
    expect(isSamePerson('a@x.io', null)).toBe(false);
  });
});
