import { retryAfter } from './audit-integrity.service';

describe('retryAfter (a second verify while one runs)', () => {
  it('is the rest of the walk at the pace so far', () => {
    // 10 s for the first quarter: 30 s to go.
    expect(retryAfter({ startedAt: 0, headSeq: 400_000, doneSeq: 100_000 }, 10_000)).toBe(30);
    expect(retryAfter({ startedAt: 0, headSeq: 400_000, doneSeq: 399_000 }, 10_000)).toBe(1);
  });

  it('before the first batch, waits as long as it has run, within bounds', () => {
    expect(retryAfter({ startedAt: 0, headSeq: 400_000, doneSeq: 0 }, 2_500)).toBe(3);
    expect(retryAfter({ startedAt: 0, headSeq: 0, doneSeq: 0 }, 0)).toBe(1);
    expect(retryAfter({ startedAt: 0, headSeq: 10_000_000, doneSeq: 1 }, 60_000)).toBe(300);
  });
});
