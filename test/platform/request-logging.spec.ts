import { startApp, type TestApp } from '../helpers/app';
import { BOOTSTRAP_TOKEN } from '../helpers/principals';

/** The request lines the server writes (pino-http), with the URL as the server logs it. */
describe('request log lines', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ BOOTSTRAP_ADMIN_TOKEN: BOOTSTRAP_TOKEN, LOG_LEVEL: 'info' });
  });
  afterAll(async () => t?.close());

  it('cut a long query string to 1 KB and keep no secret from it', async () => {
    const marker = `m${Date.now()}`;
    const token = 'jgt_' + 'T'.repeat(43);
    // Under Node's 16 KB header limit, so the request reaches the server and is logged.
    const query = `${marker}=1&q=${'a.'.repeat(300)}&access_token=opaque-value&t=${token}&pad=${'z'.repeat(12_000)}`;
    const res = await t.request('GET', `/api/v1/me?${query}`, { token: BOOTSTRAP_TOKEN });
    expect(res.status).toBe(200);
    let line: string | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = t.logs.find((l) => l.includes(marker) && l.includes('"req"'));
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    expect(line).toBeDefined();
    const url = (JSON.parse(line!) as { req: { url: string } }).req.url;
    expect(url.startsWith(`/api/v1/me?${marker}=1&q=a.a.`)).toBe(true);
    expect(url.length).toBeLessThan('/api/v1/me?'.length + 1024 + 40);
    expect(url).toMatch(/…\[cut from \d+ characters\]$/);
    expect(url).toContain('access_token=[REDACTED]');
    expect(line).not.toContain('opaque-value');
    expect(line).not.toContain('TTTTTTTTTTTTTTTT');
    expect(line).not.toContain(BOOTSTRAP_TOKEN);
  });

  it('log every request, a 404 too, but the health probe', async () => {
    const marker = `h${Date.now()}`;
    expect((await t.request('GET', `/health?${marker}=probe`)).status).toBe(200);
    expect((await t.request('GET', `/api/v1/no-such-route?${marker}=404`)).status).toBe(404);
    expect((await t.request('GET', `/api/v1/me?${marker}=me`, { token: BOOTSTRAP_TOKEN })).status).toBe(200);
    const lines = () => t.logs.filter((l) => l.includes(marker) && l.includes('"req"'));
    for (let i = 0; i < 50 && lines().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const urls = lines().map((l) => (JSON.parse(l) as { req: { url: string } }).req.url);
    expect(urls.sort()).toEqual([`/api/v1/me?${marker}=me`, `/api/v1/no-such-route?${marker}=404`]);
  });
});
