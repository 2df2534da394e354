import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { UserDirectory } from './directory';
import { BodyTooLarge, readBody, sendHtml } from './http';
import { errorPage, loginPage } from './login-page';

export const SCOPES = 'openid email profile';

/** A grant of every scope the provider has, for the one client: consent is implied, as in a company SSO. */
export async function autoGrant(provider: Provider, clientId: string, accountId: string): Promise<string> {
  const grant = new provider.Grant({ clientId, accountId });
  grant.addOIDCScope(SCOPES);
  return grant.save();
}

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;

/**
 * The provider's own pages: `GET /interaction/:uid` shows the sign-in form (or grants consent and
 * moves on), `POST /interaction/:uid/login` checks the password. Anything else is not ours (false).
 */
export async function handleInteraction(
  provider: Provider,
  users: UserDirectory,
  page: { clientName: string; formOrigins: readonly string[] },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const m = ROUTE.exec((req.url ?? '').split('?')[0] ?? '');
  if (!m) return false;
  const [, uid, login] = m;
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    // No interaction cookie, or it expired: the browser must start again at the relying party.
    sendHtml(
      res,
      400,
      errorPage('Sign-in expired', { error: 'This sign-in is no longer valid; start again.' }),
    );
    return true;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, errorPage('Sign-in mismatch', { error: 'This page belongs to another sign-in.' }));
    return true;
  }
  const action = `/interaction/${uid}/login`;
  const { clientName, formOrigins } = page;
  const prompt = details.prompt.name;

  if (req.method === 'GET' && !login) {
    if (prompt === 'login') {
      sendHtml(res, 200, loginPage({ action, clientName }), formOrigins);
      return true;
    }
    if (prompt === 'consent' && details.session?.accountId) {
      const grantId = await autoGrant(provider, String(details.params.client_id), details.session.accountId);
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return true;
    }
    sendHtml(res, 400, errorPage('Unsupported step', { prompt }));
    return true;
  }
  if (req.method !== 'POST' || !login || prompt !== 'login') {
    sendHtml(res, 405, errorPage('Not allowed', { error: `${req.method ?? ''} is not allowed here` }));
    return true;
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    sendHtml(res, 415, errorPage('Unsupported form', { error: 'the form must be url-encoded' }));
    return true;
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(await readBody(req, 16_384));
  } catch (e) {
    if (!(e instanceof BodyTooLarge)) throw e;
    sendHtml(res, 413, errorPage('Form too large', { error: e.message }));
    return true;
  }
  const email = form.get('email') ?? '';
  const user = users.authenticate(email, form.get('password') ?? '');
  if (!user) {
    sendHtml(
      res,
      401,
      loginPage({ action, clientName, email, error: 'Wrong email or password.' }),
      formOrigins,
    );
    return true;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub } },
    { mergeWithLastSubmission: false },
  );
  return true;
}
