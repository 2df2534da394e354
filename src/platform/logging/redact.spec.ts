import { makeRedactor } from './redact';

describe('makeRedactor', () => {
  const redact = makeRedactor(['super-secret-value', 'pa"ss']);

  it('removes configured secrets, also in JSON-escaped form', () => {
    const line = JSON.stringify({ msg: 'x super-secret-value y', other: 'pa"ss' });
    const out = redact(line);
    expect(out).not.toContain('super-secret-value');
    expect(out).not.toContain('pa\\"ss');
    expect(out).toContain('[REDACTED]');
  });

  it('removes secret-shaped strings it was not told about', () => {
    const out = redact(
      'token jgt_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyz Authorization: Bearer eyJhbGciOi.abc.def url postgres://app:hunter22@db/x',
    );
    expect(out).not.toContain('0123456789abcdefghij');
    expect(out).not.toContain('eyJhbGciOi');
    expect(out).not.toContain('hunter22');
    expect(out).toContain('postgres://app:[REDACTED]@db/x');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('{"msg":"sync finished","count":3}')).toBe('{"msg":"sync finished","count":3}');
  });
});
