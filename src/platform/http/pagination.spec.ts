import { AppError } from './app-error';
import { decodeCursor, encodeCursor } from './pagination';

const ID = '0b8f4a52-6c1e-4d0a-9a57-2f1c3e4d5a6b';
const raw = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function codeOf(cursor: string, kind?: 'time' | 'seq'): string | null {
  try {
    decodeCursor(cursor, kind);
    return null;
  } catch (e) {
    return e instanceof AppError ? e.code : 'other';
  }
}

describe('decodeCursor', () => {
  it('reads back what encodeCursor wrote, for both kinds of key', () => {
    const t = { k: '2026-12-05T23:47:16.123456Z', id: ID };
    expect(decodeCursor(encodeCursor(t))).toEqual(t);
    expect(decodeCursor(encodeCursor({ k: '2026-12-05T23:47:16.123Z', id: ID }))).toBeTruthy();
    expect(decodeCursor(encodeCursor({ k: '2026-12-05T23:47:16Z', id: ID.toUpperCase() }))).toBeTruthy();
    expect(decodeCursor(encodeCursor({ k: '184467', id: ID }), 'seq')).toEqual({ k: '184467', id: ID });
    expect(decodeCursor(undefined)).toBeNull();
  });

  it.each([
    ['not base64url', 'not a cursor!'],
    ['empty', ''],
    ['not JSON', Buffer.from('{k:').toString('base64url')],
    ['JSON that is not an object', raw(['2026-12-05T23:47:16Z', ID])],
    ['null', raw(null)],
    ['a key missing', raw({ k: '2026-12-05T23:47:16Z' })],
    ['an extra key', raw({ k: '2026-12-05T23:47:16Z', id: ID, x: 1 })],
    ['a number as key', raw({ k: 1, id: ID })],
    ['an id that is not a UUID', raw({ k: '2026-12-05T23:47:16Z', id: 'x' })],
    ['a time that is not a time', raw({ k: 'yesterday', id: ID })],
    ['SQL in the key', raw({ k: "2026-12-05T23:47:16Z'; DROP TABLE x; --", id: ID })],
    ['a date that does not exist', raw({ k: '2026-02-30T00:00:00.000000Z', id: ID })],
    ['hour 24', raw({ k: '2026-02-28T24:00:00Z', id: ID })],
    ['year 0', raw({ k: '0000-01-01T00:00:00Z', id: ID })],
    ['a sequence number on a time list', raw({ k: '42', id: ID })],
    ['too long', 'A'.repeat(513)],
  ])('refuses %s with invalid_cursor', (_label, cursor) => {
    expect(codeOf(cursor)).toBe('invalid_cursor');
  });

  it('refuses a time on a sequence list, and sequence numbers out of range', () => {
    expect(codeOf(raw({ k: '2026-12-05T23:47:16Z', id: ID }), 'seq')).toBe('invalid_cursor');
    expect(codeOf(raw({ k: '-1', id: ID }), 'seq')).toBe('invalid_cursor');
    expect(codeOf(raw({ k: '1'.repeat(19), id: ID }), 'seq')).toBe('invalid_cursor');
  });

  it("reads a numbered id only where the list numbers its rows (membership history), and refuses another list's uuid there", () => {
    const seqId = (cursor: string) => {
      try {
        return decodeCursor(cursor, 'time', 'seq');
      } catch (e) {
        return e instanceof AppError ? e.code : 'other';
      }
    };
    const k = '2026-12-05T23:47:16.123456Z';
    expect(seqId(encodeCursor({ k, id: '184467' }))).toEqual({ k, id: '184467' });
    expect(seqId(encodeCursor({ k, id: ID }))).toBe('invalid_cursor');
    expect(seqId(raw({ k, id: '1'.repeat(19) }))).toBe('invalid_cursor');
    expect(seqId(raw({ k, id: '1; DROP' }))).toBe('invalid_cursor');
    expect(codeOf(encodeCursor({ k, id: '184467' }))).toBe('invalid_cursor');
  });
});
