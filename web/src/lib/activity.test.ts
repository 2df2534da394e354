import { describe, expect, it } from 'vitest';
import { activityReadNote, lastSignInText, timeAgo } from './activity';

describe('sign-in activity wording', () => {
  const now = Date.parse('2027-03-05T12:00:00Z');
  it('says how long ago in the largest sensible unit', () => {
    expect(
      [
        '2027-03-05T11:59:30Z',
        '2027-03-05T12:00:30Z',
        '2027-03-05T11:55:00Z',
        '2027-03-05T09:00:00Z',
        '2027-03-04T11:00:00Z',
        '2027-03-02T12:00:00Z',
        '2026-12-06T12:00:00Z',
      ].map((iso) => timeAgo(iso, now)),
    ).toEqual(['just now', 'just now', '5 min ago', '3 h ago', 'yesterday', '3 days ago', '89 days ago']);
  });
  it('gives the date beside it, and never claims more than the 90 days JumpCloud keeps', () => {
    expect(lastSignInText('2027-03-02T12:00:00Z', now, 'en-US')).toBe('3 days ago (Mar 2, 2027)');
    expect(lastSignInText(null, now)).toBe('never seen in 90 days');
  });
  it('says how far the times can be trusted: never read, readable, forbidden, unavailable', () => {
    const readThrough = '2027-03-05T11:00:00Z';
    expect(activityReadNote({ insights: 'readable', readThrough: null }, now)).toMatch(
      /not been read .* say nothing/,
    );
    expect(activityReadNote({ insights: 'readable', readThrough }, now)).toMatch(
      /only those made through it .* 90 days it keeps; read 1 h ago\.$/,
    );
    expect(activityReadNote({ insights: 'forbidden', readThrough }, now)).toMatch(
      /can no longer read .* read 1 h ago and are not updated/,
    );
    expect(activityReadNote({ insights: 'unavailable', readThrough }, now)).toMatch(
      /did not answer the last read/,
    );
  });
});
