import { describe, expect, it } from 'vitest';
import { countdown, formatMinutes, percent } from './format';

describe('format', () => {
  const now = Date.parse('2026-01-01T10:00:00Z');
  it('counts a grant down in the largest sensible units', () => {
    expect(countdown('2026-01-01T10:03:20Z', now)).toBe('3 min 20 s left');
    expect(countdown('2026-01-01T12:05:00Z', now)).toBe('2 h 05 min left');
    expect(countdown('2026-01-03T13:00:00Z', now)).toBe('2 d 3 h left');
    expect(countdown('2026-01-01T09:59:59Z', now)).toBe('ending now');
    expect(countdown(null, now)).toMatch(/confirms/);
  });
  it('says durations as a person would', () => {
    expect([formatMinutes(90), formatMinutes(2880), formatMinutes(0), formatMinutes(61)]).toEqual([
      '1 h 30 min',
      '2 d',
      '0 min',
      '1 h 1 min',
    ]);
  });
  it('rounds progress and treats nothing to do as done', () => {
    expect([percent(1, 3), percent(0, 0), percent(5, 5)]).toEqual([33, 100, 100]);
  });
});
