import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_APP_CSP } from '../../src/platform/http/web-app';
import { startApp, type TestApp } from '../helpers/app';

jest.setTimeout(60_000);

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head></html>';

describe('the web app served at /', () => {
  let app: TestApp;
  let dist: string;

  beforeAll(async () => {
    // A stand-in build: the server must serve whatever Vite wrote, so the test owns the files it checks.
    dist = mkdtempSync(join(tmpdir(), 'jumpgate-web-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'app-1a2b.js'), 'console.log(1);');
    app = await startApp({ APP_ROLE: 'api' }, { webDistDir: dist });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('answers / and every app route with index.html under the app CSP, which allows no inline code', async () => {
    for (const path of [
      '/',
      '/reviews',
      '/reviews?campaignId=1b6f',
      '/admin/campaigns/42',
      '/signin-error?code=x',
    ]) {
      const res = await app.request('GET', path);
      expect([path, res.status, res.text]).toEqual([path, 200, INDEX]);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
    expect(WEB_APP_CSP).not.toContain('unsafe');
    expect(WEB_APP_CSP).toContain("script-src 'self'");
    expect(WEB_APP_CSP).toContain("frame-ancestors 'none'");
  });

  it('serves the hashed assets, cacheable for good', async () => {
    const res = await app.request('GET', '/assets/app-1a2b.js');
    expect(res.status).toBe(200);
    expect(res.text).toBe('console.log(1);');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-security-policy')).toBe(WEB_APP_CSP);
  });

  it('keeps the server’s own 404 JSON under /api, /auth, /integrations and /health', async () => {
    for (const path of ['/api', '/api/v1/no-such-route', '/auth/nothing', '/integrations/x', '/health/x']) {
      const res = await app.request('GET', path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    // The routes themselves still answer as before.
    expect((await app.request('GET', '/health')).body).toMatchObject({ status: 'ok' });
    expect((await app.request('GET', '/api/v1/me')).status).toBe(401);
  });

  it('gives index.html to GET only: another method on an app path is a 404', async () => {
    const res = await app.request('POST', '/reviews', { body: {} });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('<html>');
  });
});

describe('the server without a built web app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ APP_ROLE: 'api' }, { webDistDir: join(tmpdir(), 'jumpgate-no-such-web-dist') });
  });
  afterAll(async () => app?.close());

  it('answers / with a plain explanation, and the API works', async () => {
    const res = await app.request('GET', '/');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toContain('the web app is not built');
    expect(res.text).toContain('npm run build');
    expect((await app.request('GET', '/reviews')).text).toContain('not built');
    expect((await app.request('GET', '/health')).status).toBe(200);
    expect((await app.request('GET', '/api/v1/nope')).body).toMatchObject({ statusCode: 404 });
  });
});
