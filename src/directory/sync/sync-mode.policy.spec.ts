import {
  CLOCK_SKEW_MS,
  decideSyncMode,
  EVENTS_OVERLAP_MS,
  INSIGHTS_RETENTION_MS,
  type ModeInput,
} from './sync-mode.policy';

const now = new Date('2026-12-06T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600 * 1000);
const base: ModeInput = {
  requested: 'auto',
  lastFullAt: hoursAgo(2),
  cursor: hoursAgo(1),
  cursorAfterFull: false,
  fullSyncHours: 24,
  now,
  lastRunHeld: false,
};

describe('decideSyncMode', () => {
  it('runs incremental between full syncs, whether asked for or left to auto', () => {
    expect(decideSyncMode(base)).toEqual({ mode: 'incremental' });
    expect(decideSyncMode({ ...base, requested: 'incremental' })).toEqual({ mode: 'incremental' });
  });

  it('a full sync asked for is full, without a fallback reason', () => {
    expect(decideSyncMode({ ...base, requested: 'full' })).toEqual({ mode: 'full', fallbackReason: null });
  });

  it('auto runs a due full sync as planned; incremental asked for says why it ran full', () => {
    const due = { ...base, lastFullAt: hoursAgo(24) };
    expect(decideSyncMode(due)).toEqual({ mode: 'full', fallbackReason: null });
    expect(decideSyncMode({ ...due, requested: 'incremental' })).toEqual({
      mode: 'full',
      fallbackReason: 'full_sync_due',
    });
    expect(decideSyncMode({ ...base, lastFullAt: hoursAgo(23.9) })).toEqual({ mode: 'incremental' });
  });

  it('without a full sync or a cursor to build on, the run is full', () => {
    for (const missing of [{ lastFullAt: null }, { cursor: null }]) {
      expect(decideSyncMode({ ...base, ...missing })).toEqual({ mode: 'full', fallbackReason: null });
      expect(decideSyncMode({ ...base, ...missing, requested: 'incremental' })).toEqual({
        mode: 'full',
        fallbackReason: 'no_full_sync',
      });
    }
  });

  it('after a run that held removals, a full sync confirms them (rule 1)', () => {
    for (const requested of ['auto', 'incremental'] as const) {
      expect(decideSyncMode({ ...base, requested, lastRunHeld: true })).toEqual({
        mode: 'full',
        fallbackReason: 'removals_held',
      });
    }
  });

  it('a cursor whose overlap reaches past the 90-day retention falls back to full', () => {
    const edge = new Date(now.getTime() - INSIGHTS_RETENTION_MS + EVENTS_OVERLAP_MS);
    const input = { ...base, fullSyncHours: 8760, lastFullAt: hoursAgo(1) };
    expect(decideSyncMode({ ...input, cursor: edge })).toEqual({ mode: 'incremental' });
    expect(decideSyncMode({ ...input, cursor: new Date(edge.getTime() - 1) })).toEqual({
      mode: 'full',
      fallbackReason: 'cursor_past_retention',
    });
    // After a full sync the read starts only the clock skew before the cursor.
    const afterFull = new Date(now.getTime() - INSIGHTS_RETENTION_MS + CLOCK_SKEW_MS);
    expect(decideSyncMode({ ...input, cursorAfterFull: true, cursor: afterFull })).toEqual({
      mode: 'incremental',
    });
  });
});
