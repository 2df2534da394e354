import { describe, expect, it } from 'vitest';
import { dataLine, describeVerify, filtersFrom, filtersToParams, toQuery } from './audit-logic';

describe('audit page logic', () => {
  it('keeps only the filters that are set, through the URL and back', () => {
    const f = filtersFrom(new URLSearchParams('action=token.minted&actorId=&targetId=%20x%20&other=1'));
    expect(f).toEqual({ action: 'token.minted', targetId: 'x' });
    expect(filtersToParams(f).toString()).toBe('action=token.minted&targetId=x');
  });

  it('sends a day as the start of that local day in UTC, and nothing for a malformed one', () => {
    expect(toQuery({ since: '2026-03-01' }).since).toBe(new Date('2026-03-01T00:00:00').toISOString());
    expect(toQuery({ since: 'yesterday' }).since).toBeUndefined();
  });

  it('says plainly whether the chain holds, or which event breaks it and why', () => {
    expect(
      describeVerify({ ok: true, checked: 3, headId: 'h', firstBrokenId: null, firstBrokenReason: null }),
    ).toEqual({ ok: true, title: 'The audit chain holds', detail: '3 events checked; the head is event h.' });
    const broken = describeVerify({
      ok: false,
      checked: 10,
      headId: 'h',
      firstBrokenId: 'b',
      firstBrokenReason: 'hash_mismatch',
    });
    expect(broken.ok).toBe(false);
    expect(broken.detail).toBe(
      'The first broken event is b: its content no longer matches its hash (it was changed). 10 events checked.',
    );
  });

  it('shows details on one line, cut when long', () => {
    expect(dataLine({})).toBe('—');
    expect(dataLine({ a: 'x'.repeat(50) }, 20)).toHaveLength(20);
  });
});
