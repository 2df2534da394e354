import { encodeCursor } from '../http/pagination';
import { Keyset } from './keyset';

const ID = '0b4f5a8e-93a4-4a5e-9a55-6c3b0e1c2d3f';
const at = (s: number): Date => new Date(Date.UTC(2026, 11, 6, 0, 0, s));

describe('Keyset', () => {
  it('binds nothing before the first page and asks for one row more than the page', () => {
    const ks = Keyset.from(undefined, 2);
    expect(ks.params).toEqual([null, null, 3]);
    expect(ks.after(1)).toBe('($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))');
    expect(ks.after(3, { key: 'g.created_at', id: 'g.id', desc: true })).toBe(
      '($3::timestamptz IS NULL OR (g.created_at, g.id) < ($3::timestamptz, $4::uuid))',
    );
  });

  it('resumes after the cursor and pages with the last row (microsecond ck first)', () => {
    const ks = Keyset.from(encodeCursor({ k: '2026-12-06T00:00:00.000001Z', id: ID }), 2);
    expect(ks.params).toEqual(['2026-12-06T00:00:00.000001Z', ID, 3]);
    const rows = [1, 2, 3].map((s) => ({ id: ID, created_at: at(s), ck: s === 2 ? 'micro' : undefined }));
    const page = ks.page(rows, (r) => r.created_at.getUTCSeconds());
    expect(page.items).toEqual([1, 2]);
    expect(JSON.parse(Buffer.from(page.nextCursor as string, 'base64url').toString())).toEqual({
      k: 'micro',
      id: ID,
    });
    expect(ks.page(rows.slice(0, 2), (r) => r.id).nextCursor).toBeNull();
  });

  it('refuses a cursor it did not issue', () => {
    expect(() => Keyset.from('nope', 10)).toThrow('cursor is not valid');
  });
});
