import { describe, expect, it } from 'vitest';
import {
  dataLine,
  describeCheckpointVerify,
  describeVerify,
  filtersFrom,
  filtersToParams,
  parseCheckpoints,
  toQuery,
} from './audit-logic';

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

describe('verifying against kept checkpoints', () => {
  const cp = {
    seq: 3,
    headId: 'h',
    hash: 'x',
    count: 3,
    at: '2026-01-01T00:00:00Z',
    keyId: 'k',
    signature: 's',
  };

  it('reads one checkpoint, an array, or several files, and refuses what is not a checkpoint', () => {
    expect(parseCheckpoints([JSON.stringify(cp)])).toEqual({ checkpoints: [cp] });
    expect(parseCheckpoints([JSON.stringify([cp, { ...cp, seq: 4 }]), '', JSON.stringify(cp)])).toEqual({
      checkpoints: [cp, { ...cp, seq: 4 }, cp],
    });
    expect(parseCheckpoints(['{not json'])).toHaveProperty('error');
    expect(parseCheckpoints([JSON.stringify({ ...cp, signature: undefined })])).toHaveProperty('error');
    expect(parseCheckpoints(['  '])).toEqual({ error: 'Paste or choose at least one checkpoint.' });
  });

  it('says a cut or rewritten history even when the remaining chain holds', () => {
    const base = { ok: true, checked: 5, headId: 'h', firstBrokenId: null, firstBrokenReason: null };
    expect(describeCheckpointVerify({ ...base, truncated: false, checkpointFailures: [] }).ok).toBe(true);
    const cut = describeCheckpointVerify({
      ...base,
      ok: false,
      truncated: true,
      checkpointFailures: [{ seq: 7, reason: 'missing' }],
    });
    expect(cut.ok).toBe(false);
    expect(cut.title).toBe('The audit chain does not match the checkpoints');
    expect(cut.lines).toContain('Checkpoint 7: the event it names is gone: history was cut.');
  });
});
