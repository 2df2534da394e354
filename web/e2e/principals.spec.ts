import { randomBytes } from 'node:crypto';
import { type Browser } from 'playwright-core';
import { BOOTSTRAP_TOKEN } from '../../test/helpers/principals';
import {
  browserRequest,
  signedIn,
  type SignInOrg,
  startSignInOrg,
  stopSignInOrg,
} from '../../test/helpers/signin';
import { launchBrowser, PHONE, screenshot, seriousA11yViolations } from './helpers/browser';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(150_000);

describe('principal pages in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let pat: { id: string; email: string };
  let patJar: Awaited<ReturnType<typeof signedIn>>;
  const serviceEmail = `robot.${randomBytes(3).toString('hex')}@service.example.com`;

  const api = async (method: string, path: string, token = BOOTSTRAP_TOKEN) =>
    org.t.request(method, path, { token });
  const principalByEmail = async (email: string) => {
    const all = (await api('GET', '/api/v1/principals?limit=500')).body.items as {
      id: string;
      email: string;
      roles: string[];
      disabled: boolean;
    }[];
    return all.find((p) => p.email === email);
  };

  // Pat signs in once (outside the browser), so Pat is a principal bound to the provider with a live session.
  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({ names: ['nobody', 'pat'], admins: ['admin'], auditors: ['auditor'] }),
      launchBrowser(),
    ]);
    patJar = await signedIn(org, org.people.pat);
    pat = (await principalByEmail(org.people.pat.email))!;
    expect(pat).toBeDefined();
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('an admin creates a service principal, mints a token shown once, revokes it, changes roles and disables', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.admin, '/reviews');
    try {
      await page.getByRole('link', { name: 'Principals' }).first().click();
      await page.waitForURL((u) => u.pathname === '/admin/principals');
      await page.getByTestId('principal-row').filter({ hasText: pat.email }).getByText('no role').waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-principals');

      await page.getByRole('button', { name: 'New principal' }).click();
      await page.getByRole('textbox', { name: 'Email' }).fill(serviceEmail);
      await page.getByRole('textbox', { name: 'Display name' }).fill('CI robot');
      await page.getByRole('button', { name: 'Create principal' }).click();
      await page.waitForURL(/\/admin\/principals\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { level: 1, name: 'CI robot' }).waitFor();
      await page.getByTestId('tokens-empty').waitFor();
      await page.getByTestId('sessions-empty').waitFor();

      await page.getByRole('textbox', { name: 'Token name' }).fill('pipeline');
      await page.getByRole('button', { name: 'Create token' }).click();
      const minted = page.getByTestId('minted-token');
      await minted.getByText('Copy this token now: it is shown only once').waitFor();
      const token = (await minted.locator('pre').innerText()).trim();
      const me = await api('GET', '/api/v1/me', token);
      expect([me.status, me.body.email]).toEqual([200, serviceEmail]);
      const row = page.getByTestId('token-row').filter({ hasText: 'pipeline' });
      await row.getByText('active').waitFor();
      expect(token.startsWith((await row.locator('code').innerText()).trim())).toBe(true);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-principal-token');
      // Shown once: after a reload the page (and the API) hold only its prefix.
      await page.reload();
      await row.getByText('active').waitFor();
      expect(await page.content()).not.toContain(token);

      await row.getByRole('button', { name: 'Revoke token pipeline' }).click();
      await row.getByText('revoked').waitFor();
      expect((await api('GET', '/api/v1/me', token)).status).toBe(401);

      await page.getByRole('checkbox', { name: 'auditor' }).check();
      await page.getByRole('button', { name: 'Save roles' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      expect((await principalByEmail(serviceEmail))?.roles).toEqual(['auditor']);
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      expect((await principalByEmail(serviceEmail))?.disabled).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("an admin is refused changing a signed-in person's roles or minting their token, and ends their sessions", async () => {
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.admin,
      `/admin/principals/${pat.id}`,
    );
    try {
      await page.getByTestId('session-row').first().waitFor();
      // Roles of a principal bound to the provider come from its directory groups: 409, nothing changed.
      await page.getByRole('checkbox', { name: 'admin' }).check();
      await page.getByRole('button', { name: 'Save roles' }).click();
      const conflict = page.getByRole('alert').filter({ hasText: 'This conflicts with the current state' });
      await conflict.waitFor();
      expect((await principalByEmail(pat.email))?.roles).toEqual([]);
      // People mint their own tokens while sign-in is on: 403, said as "you may not".
      await page.getByRole('textbox', { name: 'Token name' }).fill('for pat');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('alert').filter({ hasText: 'You may not do this' }).waitFor();
      expect((await api('GET', `/api/v1/principals/${pat.id}/tokens`)).body.items).toEqual([]);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-principal-person');

      expect((await browserRequest(org, patJar, 'GET', '/api/v1/me')).status).toBe(200);
      await page.getByRole('button', { name: 'End every session' }).click();
      await page.getByTestId('sessions-empty').waitFor();
      expect((await browserRequest(org, patJar, 'GET', '/api/v1/me')).status).toBe(401);
      // The refused PATCH (409) and mint (403) are the only console errors.
      expect(problems.filter((p) => !/status of (409|403)/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an auditor on a phone in dark mode reads principals, tokens and sessions with no control', async () => {
    const { page, context, problems } = await signInInBrowser(
      browser,
      org,
      org.people.auditor,
      '/admin/principals',
      { viewport: PHONE, colorScheme: 'dark' },
    );
    try {
      await page.getByTestId('principal-row').getByRole('link', { name: serviceEmail }).click();
      await page.getByTestId('token-row').filter({ hasText: 'pipeline' }).getByText('revoked').waitFor();
      await page.getByTestId('fact-State').getByText('disabled').waitFor();
      for (const name of ['Save roles', 'Disable', 'Enable', 'Create token', 'End every session', 'Revoke']) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
      }
      expect(await page.getByRole('checkbox').count()).toBe(0);
      expect(await page.getByRole('textbox').count()).toBe(0);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, 'admin-principal-auditor-phone-dark');
      await page.goto('/admin/principals');
      await page.getByTestId('principal-row').first().waitFor();
      expect(await page.getByRole('button', { name: 'New principal' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a person without roles cannot open the principal pages, and nothing is fetched', async () => {
    const { page, context } = await signInInBrowser(browser, org, org.people.nobody, '/reviews');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    try {
      expect(await page.getByRole('link', { name: 'Principals' }).count()).toBe(0);
      for (const path of ['/admin/principals', `/admin/principals/${pat.id}`]) {
        await page.goto(path);
        await page.getByRole('alert').getByText('You may not open this page').waitFor();
      }
      expect(asked.filter((p) => p.startsWith('/api/v1/principals'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
