import { makeRedactor, MAX_LOGGED_URL_PART, urlForLog } from './redact';

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
    expect(out).toContain('jgt_[REDACTED]');
    expect(out).toContain('Bearer [REDACTED]');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('{"msg":"sync finished","count":3}')).toBe('{"msg":"sync finished","count":3}');
    expect(redact('see https://example.com:8443/x and jgt_short, bearer abc')).toBe(
      'see https://example.com:8443/x and jgt_short, bearer abc',
    );
  });

  /** The regular expressions the scanners replaced: the reference for what is redacted. */
  const REFERENCE: [RegExp, string][] = [
    [/jgt_[A-Za-z0-9_-]{16,}/g, 'jgt_[REDACTED]'],
    [/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[REDACTED]'],
    [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"]*:)[^@/\s"]+@/gi, '$1[REDACTED]@'],
  ];
  const reference = (s: string) => REFERENCE.reduce((out, [re, rep]) => out.replace(re, rep), s);

  it('redacts what the regular expressions it replaced redacted, on thousands of generated lines', () => {
    const pieces = [
      'a',
      'Z',
      '0',
      '.',
      '-',
      '+',
      '_',
      ':',
      '/',
      '@',
      '?',
      '#',
      '"',
      ' ',
      '\t',
      '=',
      '~',
      'jgt_',
      'Bearer ',
      'BEARER\t',
      'bearer',
      'postgres://',
      'x-y://',
      '://',
      'u:',
      'pw@',
      'abcdefgh',
      'ABCDEFGHIJKLMNOPQ',
      'é',
      'İ',
    ];
    // A fixed generator, so that a failure is reproducible.
    let state = 14;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const plain = makeRedactor([]);
    for (let i = 0; i < 5000; i++) {
      let line = '';
      const len = 1 + next(40);
      for (let j = 0; j < len; j++) line += pieces[next(pieces.length)];
      expect({ line, out: plain(line) }).toEqual({ line, out: reference(line) });
    }
  });
});

describe('urlForLog', () => {
  const secret = 'known-secret-0123456789';
  const redact = makeRedactor([secret]);

  it('cuts a hostile 64 KB URL to 1 KB of path and 1 KB of query, with no secret left in it', () => {
    // Shapes that made the old expressions quadratic, a token and a known secret across the cut.
    const hostileQuery =
      'q=' +
      'a.'.repeat(400) +
      'x://u:'.repeat(50) +
      secret.slice(0, 5) +
      secret +
      '&' +
      'bearer '.repeat(2000) +
      'b://'.repeat(8000) +
      '&token=jgt_' +
      'k'.repeat(40) +
      '&next=' +
      'z'.repeat(20_000);
    const url = '/api/v1/accounts?' + hostileQuery;
    expect(url.length).toBeGreaterThan(64 * 1024);
    const out = urlForLog(url, redact);
    const [path, query] = out.split('?');
    expect(path).toBe('/api/v1/accounts');
    expect(query.startsWith('q=a.a.a.')).toBe(true);
    expect(query.length).toBeLessThan(MAX_LOGGED_URL_PART + 40);
    expect(query).toMatch(/…\[cut from \d+ characters\]$/);
    expect(out).not.toContain(secret);
    expect(out).not.toContain('kkkkkkkkkkkkkkkk');
  });

  it('redacts secret parameters before it cuts, so no head of a secret survives the cut', () => {
    const token = 'jgt_' + 'S'.repeat(43);
    const pad = 'p'.repeat(MAX_LOGGED_URL_PART - 20);
    const out = urlForLog(`/x?a=${pad}&t=${token}&access_token=opaque-value-1234&code=abc`, redact);
    expect(out).not.toContain('SSSS');
    expect(urlForLog('/x?access_token=opaque-value-1234&Code=abc&q=ok', redact)).toBe(
      '/x?access_token=[REDACTED]&Code=[REDACTED]&q=ok',
    );
  });

  it('cuts a long path too, and leaves a short URL as it is', () => {
    expect(urlForLog('/api/v1/me', redact)).toBe('/api/v1/me');
    expect(urlForLog('/api/v1/campaigns?limit=5', redact)).toBe('/api/v1/campaigns?limit=5');
    const long = urlForLog('/' + 'p'.repeat(70_000), redact);
    expect(long.length).toBeLessThan(MAX_LOGGED_URL_PART + 40);
  });
});
