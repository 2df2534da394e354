import { startApp, type TestApp } from '../helpers/app';

// A route that takes a JSON body. Body limits and JSON parsing happen in Fastify before Nest's guards
// run, so these statuses hold whether or not the caller is authenticated.
const BODY_ROUTE = '/api/v1/me/tokens';

function expectErrorShape(body: unknown, statusCode: number): void {
  expect(body).toEqual(
    expect.objectContaining({
      statusCode,
      error: expect.any(String),
      message: expect.anything(),
    }),
  );
}

describe('HTTP basics (defaults: docs on, CORS off)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('sends helmet security headers', async () => {
    const res = await t.request('GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
  });

  it('sends the same security headers on API routes and their errors, with the docs CSP', async () => {
    const health = await t.request('GET', '/health');
    const denied = await t.request('GET', '/api/v1/reviews');
    expect(denied.status).toBe(401);
    for (const name of [
      'content-security-policy',
      'strict-transport-security',
      'x-frame-options',
      'x-content-type-options',
      'referrer-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
    ]) {
      expect([name, health.headers.get(name)]).toEqual([name, expect.any(String)]);
      expect(denied.headers.get(name)).toBe(health.headers.get(name));
    }
    expect(health.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
  });

  it('rejects a JSON body over 1 MiB with 413 in the API error shape', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    const res = await t.request('POST', BODY_ROUTE, {
      rawBody: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 413);
  });

  it('accepts a body just under 1 MiB past the parser (not 413)', async () => {
    const ok = JSON.stringify({ name: 'x'.repeat(1000 * 1000) });
    const res = await t.request('POST', BODY_ROUTE, {
      rawBody: ok,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).not.toBe(413);
  });

  it('rejects malformed JSON with 400 in the API error shape', async () => {
    const res = await t.request('POST', BODY_ROUTE, {
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 400);
  });

  it('answers an unknown API route with 404 JSON', async () => {
    // Outside /api, /auth, /integrations and /health a GET is the web app's (test/platform/web-app.spec.ts).
    const res = await t.request('GET', '/api/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expectErrorShape(res.body, 404);
  });

  it('publishes the OpenAPI document and Swagger UI', async () => {
    const json = await t.request('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/health']).toBeDefined();
    const html = await t.request('GET', '/api/docs');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('swagger');
    // The UI's own files come from @fastify/static.
    const bundle = await t.request('GET', '/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });

  it('sends no CORS headers when CORS_ORIGINS is not set', async () => {
    const res = await t.request('GET', '/health', { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await t.request('OPTIONS', '/health', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('HTTP basics (DOCS_ENABLED=false, CORS_ORIGINS set)', () => {
  let t: TestApp;
  const allowed = 'https://reviews.example.com';

  beforeAll(async () => {
    t = await startApp({ DOCS_ENABLED: 'false', CORS_ORIGINS: `${allowed}, https://other.example.com` });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('serves no docs', async () => {
    expect((await t.request('GET', '/api/docs-json')).status).toBe(404);
    expect((await t.request('GET', '/api/docs')).status).toBe(404);
  });

  it('allows a listed origin and no other', async () => {
    const ok = await t.request('GET', '/health', { headers: { origin: allowed } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    const other = await t.request('GET', '/health', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
