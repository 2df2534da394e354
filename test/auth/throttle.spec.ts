import { startApp, type TestApp } from '../helpers/app';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';

const BAD = 'jgt_' + 'x'.repeat(43);

/** GET /me with a token and an X-Forwarded-For header; the status. */
async function me(t: TestApp, token: string | undefined, xff?: string): Promise<number> {
  const headers: Record<string, string> = xff === undefined ? {} : { 'x-forwarded-for': xff };
  return (await t.request('GET', '/api/v1/me', { token, headers })).status;
}

/** `n` bad tokens, each from the X-Forwarded-For `xff(i)`; every status. */
async function failures(t: TestApp, n: number, xff: (i: number) => string | undefined): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await me(t, BAD, xff(i)));
  return out;
}

describe('failed authentication throttling', () => {
  describe('with the default limit, behind a proxy trusted for every hop', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, TRUST_PROXY: 'true' });
    });
    afterAll(async () => t?.close());

    it('20 bad tokens from one address, then a good token from it: 200; the 21st bad one: 429', async () => {
      const ip = '203.0.113.7';
      expect(await failures(t, 20, () => ip)).toEqual(new Array(20).fill(401));
      expect(await me(t, BOOTSTRAP_TOKEN, ip)).toBe(200);
      const blocked = await t.request('GET', '/api/v1/me', {
        token: BAD,
        headers: { 'x-forwarded-for': ip },
      });
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'too_many_attempts',
      });
      const retry = Number(blocked.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(300);
      // While it is blocked, valid tokens from it still pass, and other addresses are not affected.
      expect(await me(t, BOOTSTRAP_TOKEN, ip)).toBe(200);
      expect(await me(t, BAD, '198.51.100.9')).toBe(401);
    });

    it('does not count requests that carry no token', async () => {
      for (let i = 0; i < 25; i++) expect(await me(t, undefined, '192.0.2.44')).toBe(401);
      expect(await me(t, BAD, '192.0.2.44')).toBe(401);
    });

    it('counts IPv6 clients per /64', async () => {
      const inPrefix = (i: number) => `2001:db8:aa:bb:${(i + 1).toString(16)}::${i + 7}`;
      expect(await failures(t, 20, inPrefix)).toEqual(new Array(20).fill(401));
      // Another address of the same /64, however written, is the same client...
      expect(await me(t, BAD, '2001:0DB8:00AA:00BB:ffff:ffff:ffff:ffff')).toBe(429);
      expect(await me(t, BOOTSTRAP_TOKEN, '2001:db8:aa:bb::1')).toBe(200);
      // ...and the neighbouring /64 is not.
      expect(await me(t, BAD, '2001:db8:aa:bc::1')).toBe(401);
    });
  });

  describe('behind a proxy trusted by CIDR', () => {
    let t: TestApp;
    beforeAll(async () => {
      // The tests connect from 127.0.0.1: that is the trusted proxy.
      t = await startApp({
        BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
        AUTH_FAILURE_LIMIT: '3',
        TRUST_PROXY: '10.0.0.0/8, 127.0.0.0/8',
      });
    });
    afterAll(async () => t?.close());

    it('takes the client from the first untrusted entry, so a forged leftmost entry does not help', async () => {
      const client = '203.0.113.10';
      expect(await failures(t, 3, (i) => `192.0.2.${i}, ${client}`)).toEqual([401, 401, 401]);
      expect(await me(t, BAD, `192.0.2.99, ${client}`)).toBe(429);
      expect(await me(t, BAD, client)).toBe(429);
      // Behind a second trusted proxy of the list, the same client is still the same client.
      expect(await me(t, BAD, `${client}, 10.1.2.3`)).toBe(429);
      expect(await me(t, BOOTSTRAP_TOKEN, client)).toBe(200);
      expect(await me(t, BAD, '203.0.113.11')).toBe(401);
    });
  });

  describe('behind a proxy list that does not include the peer', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({
        BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
        AUTH_FAILURE_LIMIT: '3',
        TRUST_PROXY: '10.0.0.0/8',
      });
    });
    afterAll(async () => t?.close());

    it('ignores X-Forwarded-For from an untrusted peer', async () => {
      expect(await failures(t, 3, (i) => `203.0.113.${i}`)).toEqual([401, 401, 401]);
      expect(await me(t, BAD, '203.0.113.200')).toBe(429);
    });
  });

  describe('with a hop count', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Two hops trusted: the peer (127.0.0.1) and the proxy it names last in X-Forwarded-For.
      t = await startApp({
        BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
        AUTH_FAILURE_LIMIT: '3',
        TRUST_PROXY: '2',
      });
    });
    afterAll(async () => t?.close());

    it('counts the entry that many hops back, and not the ones before it', async () => {
      // Distinct clients behind the same second proxy are counted apart...
      expect(await failures(t, 6, (i) => `198.51.100.${i}, 10.0.0.1`)).toEqual(new Array(6).fill(401));
      // ...one client is counted whatever it forged in front of it.
      const client = '198.51.100.77';
      expect(await failures(t, 3, (i) => `192.0.2.${i}, ${client}, 10.0.0.${i}`)).toEqual([401, 401, 401]);
      expect(await me(t, BAD, `${client}, 10.0.0.9`)).toBe(429);
      expect(await me(t, BOOTSTRAP_TOKEN, `${client}, 10.0.0.9`)).toBe(200);
    });
  });

  describe('without TRUST_PROXY', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, AUTH_FAILURE_LIMIT: '3' });
    });
    afterAll(async () => t?.close());

    it('ignores X-Forwarded-For, so a client cannot escape the count by forging it', async () => {
      expect(await failures(t, 3, (i) => `10.0.0.${i}`)).toEqual([401, 401, 401]);
      expect(await me(t, BAD, '10.9.9.9')).toBe(429);
      expect(await me(t, BOOTSTRAP_TOKEN, '10.9.9.9')).toBe(200);
    });
  });
});
