import { startApp, type TestApp } from '../helpers/app';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';

const BAD = 'jgt_' + 'x'.repeat(43);

describe('failed authentication throttling', () => {
  describe('behind a trusted proxy', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({
        BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN,
        AUTH_FAILURE_LIMIT: '5',
        TRUST_PROXY: 'true',
      });
    });
    afterAll(async () => t?.close());

    it('answers 429 with Retry-After after repeated failures from one address, and only to it', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < 5; i++) {
        const res = await t.request('GET', '/api/v1/me', { token: BAD, headers: from('203.0.113.7') });
        expect(res.status).toBe(401);
      }
      const blocked = await t.request('GET', '/api/v1/me', { token: BAD, headers: from('203.0.113.7') });
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      const retry = Number(blocked.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(300);
      // Even a valid token is held off from that address while it is blocked...
      expect(
        (await t.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN, headers: from('203.0.113.7') }))
          .status,
      ).toBe(429);
      // ...but another address is not locked out.
      expect(
        (await t.request('GET', '/api/v1/me', { token: BOOTSTRAP_TOKEN, headers: from('198.51.100.9') }))
          .status,
      ).toBe(200);
      expect(
        (await t.request('GET', '/api/v1/me', { token: BAD, headers: from('198.51.100.9') })).status,
      ).toBe(401);
    });

    it('does not count requests that carry no token', async () => {
      for (let i = 0; i < 8; i++) {
        expect(
          (await t.request('GET', '/api/v1/me', { headers: { 'x-forwarded-for': '192.0.2.44' } })).status,
        ).toBe(401);
      }
      expect(
        (
          await t.request('GET', '/api/v1/me', {
            token: BOOTSTRAP_TOKEN,
            headers: { 'x-forwarded-for': '192.0.2.44' },
          })
        ).status,
      ).toBe(200);
    });
  });

  describe('without TRUST_PROXY', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, AUTH_FAILURE_LIMIT: '3' });
    });
    afterAll(async () => t?.close());

    it('ignores X-Forwarded-For, so a client cannot escape the count by forging it', async () => {
      for (let i = 0; i < 3; i++) {
        await t.request('GET', '/api/v1/me', { token: BAD, headers: { 'x-forwarded-for': `10.0.0.${i}` } });
      }
      const res = await t.request('GET', '/api/v1/me', {
        token: BAD,
        headers: { 'x-forwarded-for': '10.9.9.9' },
      });
      expect(res.status).toBe(429);
    });
  });
});
