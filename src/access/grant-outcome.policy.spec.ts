import { type GrantRow } from './dto/access.rows';
import { grantWaitsFor, lateAddNeedsUndo, settledOutcome, settlementRounds } from './grant-outcome.policy';

const started = new Date('2026-01-01T00:00:00Z');
const grant = (status: GrantRow['status'], startsAt: Date | null = null) => ({ status, starts_at: startsAt });
const add = (
  status: 'succeeded' | 'failed',
  more: { result?: 'added' | 'already_member'; uncertain?: boolean } = {},
) => ({
  action: 'add_member' as const,
  status,
  result: status === 'succeeded' ? (more.result ?? 'added') : null,
  writeUncertain: more.uncertain ?? false,
});
const removal = (status: 'succeeded' | 'failed') => ({
  action: 'remove_member' as const,
  status,
  result: status === 'succeeded' ? ('removed' as const) : null,
  writeUncertain: false,
});

describe('settledOutcome', () => {
  it('activates a waiting grant whose add landed, and ends one that found standing access', () => {
    expect(settledOutcome(grant('provisioning'), add('succeeded'))).toEqual({
      outcome: 'activated',
      undo: false,
    });
    expect(settledOutcome(grant('provisioning'), add('succeeded', { result: 'already_member' }))).toEqual({
      outcome: 'already_member',
      undo: false,
    });
  });

  it('fails a refused add, undoing it only if an attempt may have landed', () => {
    expect(settledOutcome(grant('provisioning'), add('failed'))).toEqual({ outcome: 'failed', undo: false });
    expect(settledOutcome(grant('provisioning'), add('failed', { uncertain: true }))).toEqual({
      outcome: 'failed',
      undo: true,
    });
  });

  it('ends a grant revoked before its add settled, removing first what landed', () => {
    expect(settledOutcome(grant('revoking'), add('failed'))).toEqual({ outcome: 'ended', undo: false });
    expect(settledOutcome(grant('revoking'), add('succeeded'))).toEqual({ outcome: null, undo: true });
    expect(settledOutcome(grant('revoking'), add('succeeded', { result: 'already_member' }))).toEqual({
      outcome: 'already_member',
      undo: false,
    });
  });

  it('undoes an add that landed for a grant no longer waiting, and never applies an add twice', () => {
    expect(settledOutcome(grant('ended'), add('succeeded'))).toEqual({ outcome: null, undo: true });
    expect(settledOutcome(grant('failed'), add('failed', { uncertain: true }))).toEqual({
      outcome: null,
      undo: true,
    });
    expect(settledOutcome(grant('active', started), add('succeeded'))).toEqual({
      outcome: null,
      undo: false,
    });
    expect(settledOutcome(grant('revoking', started), add('succeeded'))).toEqual({
      outcome: null,
      undo: false,
    });
  });

  it('ends a revoking grant once removed, keeps it revoking when refused, ignores other removals', () => {
    expect(settledOutcome(grant('revoking', started), removal('succeeded'))).toEqual({
      outcome: 'ended',
      undo: false,
    });
    expect(settledOutcome(grant('revoking', started), removal('failed'))).toEqual({
      outcome: 'revoke_failed',
      undo: false,
    });
    expect(settledOutcome(grant('ended', started), removal('succeeded'))).toEqual({
      outcome: null,
      undo: false,
    });
  });
});

describe('settlementRounds', () => {
  it('puts a grant at most once per round, keeping the order of its operations', () => {
    const ops = [
      { sourceId: 'a', n: 1 },
      { sourceId: 'b', n: 2 },
      { sourceId: 'a', n: 3 },
      { sourceId: 'c', n: 4 },
    ];
    expect(settlementRounds(ops).map((r) => r.map((o) => o.n))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(settlementRounds([])).toEqual([[]]);
  });
});

describe('grantWaitsFor', () => {
  it('lets an add be retried only while the grant is provisioning', () => {
    expect(grantWaitsFor({ status: 'provisioning', end_reason: null }, 'add_member')).toBe(true);
    expect(grantWaitsFor({ status: 'failed', end_reason: null }, 'add_member')).toBe(false);
    expect(grantWaitsFor(undefined, 'add_member')).toBe(false);
  });

  it('lets a removal be retried unless the grant found standing access', () => {
    expect(grantWaitsFor({ status: 'ended', end_reason: 'expired' }, 'remove_member')).toBe(true);
    expect(grantWaitsFor({ status: 'ended', end_reason: 'already_member' }, 'remove_member')).toBe(false);
  });
});

describe('lateAddNeedsUndo', () => {
  it('undoes a late add for an ended or failed grant unless standing access or another live grant holds it', () => {
    expect(lateAddNeedsUndo({ status: 'ended', end_reason: 'revoked', live_other: false })).toBe(true);
    expect(lateAddNeedsUndo({ status: 'failed', end_reason: null, live_other: false })).toBe(true);
    expect(lateAddNeedsUndo({ status: 'ended', end_reason: 'already_member', live_other: false })).toBe(
      false,
    );
    expect(lateAddNeedsUndo({ status: 'ended', end_reason: 'expired', live_other: true })).toBe(false);
    expect(lateAddNeedsUndo({ status: 'active', end_reason: null, live_other: false })).toBe(false);
  });
});
