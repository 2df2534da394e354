import { type Actor } from '../platform/actor';
import { approvalsRequired, releaseRefusal } from './held-release.policy';

const admin = (id: string, isBootstrap = false): Actor => ({
  type: 'principal',
  id,
  email: `${id}@example.com`,
  roles: ['admin'],
  isBootstrap,
  auth: { via: 'token' },
});

describe('held-release policy', () => {
  const closedByA = { status: 'closed' as const, closed_by: 'a' };
  const systemClosed = { status: 'closed' as const, closed_by: null };

  it('needs one approval after a person closed it, two after the system did', () => {
    expect(approvalsRequired(closedByA)).toBe(1);
    expect(approvalsRequired(systemClosed)).toBe(2);
  });

  it('refuses the closer and the bootstrap with second_admin_required', () => {
    expect(releaseRefusal(admin('a'), closedByA, 3)?.code).toBe('second_admin_required');
    expect(releaseRefusal(admin('boot', true), closedByA, 3)?.code).toBe('second_admin_required');
    expect(releaseRefusal(admin('boot', true), systemClosed, 3)?.code).toBe('second_admin_required');
    expect(releaseRefusal({ type: 'system', id: 'tick' }, systemClosed, 3)?.code).toBe(
      'second_admin_required',
    );
  });

  it('lets another admin release; refuses when nothing is held or the campaign is not closed', () => {
    expect(releaseRefusal(admin('b'), closedByA, 3)).toBeNull();
    expect(releaseRefusal(admin('a'), systemClosed, 3)).toBeNull();
    expect(releaseRefusal(admin('b'), closedByA, 0)?.code).toBe('invalid_state');
    expect(releaseRefusal(admin('b'), { status: 'active', closed_by: null }, 3)?.code).toBe('invalid_state');
  });
});
