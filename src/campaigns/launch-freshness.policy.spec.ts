import { freshness, staleMessage } from './launch-freshness.policy';

const now = new Date('2027-03-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

describe('launch freshness', () => {
  it('is fresh up to maxSyncAgeHours and stale after, fractions included', () => {
    expect(freshness(hoursAgo(24), 24, now)).toMatchObject({ stale: false, syncAgeHours: 24 });
    expect(freshness(hoursAgo(24.01), 24, now).stale).toBe(true);
    expect(freshness(hoursAgo(0.4), 0.5, now).stale).toBe(false);
    expect(freshness(hoursAgo(0.6), 0.5, now).stale).toBe(true);
  });

  it('a connection that never synced is stale', () => {
    const f = freshness(null, 24, now);
    expect(f).toEqual({ stale: true, syncAgeHours: null, lastSyncAt: null, maxSyncAgeHours: 24 });
    expect(staleMessage(f)).toContain('never synced');
  });

  it('a sync stamped slightly in the future counts as just now', () => {
    expect(freshness(new Date(now.getTime() + 5000), 1, now)).toMatchObject({
      stale: false,
      syncAgeHours: 0,
    });
  });

  it('says how old the sync is and what the limit is', () => {
    expect(staleMessage(freshness(hoursAgo(30), 24, now))).toBe(
      'The last successful sync is 30.0 hours old (maxSyncAgeHours is 24); sync it, or launch with force',
    );
  });
});
