import { type Browser } from 'playwright-core';
import { localId } from '../../test/helpers/org';
import { BOOTSTRAP_TOKEN, uniqueEmail } from '../../test/helpers/principals';
import { type SignInOrg, startSignInOrg, stopSignInOrg } from '../../test/helpers/signin';
import { launchBrowser } from './helpers/browser';
import { signInInBrowser } from './helpers/signin';

jest.setTimeout(120_000);

/** The app with a real session: the local OpenID provider's login form, the session cookie, the CSRF header. */
describe('signing in through the provider in a real browser', () => {
  let org: SignInOrg;
  let browser: Browser;
  let groupId: string;

  beforeAll(async () => {
    [org, browser] = await Promise.all([
      startSignInOrg({ names: ['rosa'], groups: { finance: [] } }),
      launchBrowser(),
    ]);
    // With sign-in on, tokens are only minted for service principals: the owner is one, the admin is bootstrap.
    const owner = await org.t.request('POST', '/api/v1/principals', {
      token: BOOTSTRAP_TOKEN,
      body: { email: uniqueEmail('owner'), kind: 'service', roles: [] },
    });
    expect(owner.status).toBe(201);
    groupId = await localId(org.db, org.connectionId, 'directory_groups', org.groups.finance);
    const policy = await org.t.request('PUT', `/api/v1/groups/${groupId}/policy`, {
      token: BOOTSTRAP_TOKEN,
      body: {
        ownerIds: [owner.body.id],
        requestable: true,
        maxDurationMinutes: 60,
        requireJustification: false,
      },
    });
    expect(policy.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await stopSignInOrg(org ?? {});
  });

  it('a signed-out visit signs in at the provider, comes back to the page, and a write carries the CSRF header', async () => {
    const { page, context, problems } = await signInInBrowser(browser, org, org.people.rosa, '/access');
    const writes: { path: string; csrf: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST')
        writes.push({ path: new URL(r.url()).pathname, csrf: r.headers()['x-csrf-token'] });
    });
    try {
      const cookies = await context.cookies(org.t.url);
      const csrf = cookies.find((c) => c.name === 'jg_csrf')?.value;
      expect(cookies.find((c) => c.name === 'jg_session')?.httpOnly).toBe(true);
      expect(csrf).toBeTruthy();

      await page.getByRole('button', { name: /^Request finance-/ }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Send request' }).click();
      await page.getByTestId('request-row').getByText('pending').waitFor();
      expect(writes).toEqual([{ path: '/api/v1/access-requests', csrf }]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
