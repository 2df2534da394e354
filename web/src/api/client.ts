import createClient, { type Middleware } from 'openapi-fetch';
import { CSRF_COOKIE, CSRF_HEADER, needsCsrf, readCookie, signInUrl } from './csrf';
import { toApiError } from './errors';
import type { paths } from './schema';

/** Sends the session cookie, adds the CSRF header to writes, and sends a signed-out person to sign-in. */
const session: Middleware = {
  onRequest({ request }) {
    if (needsCsrf(request.method)) {
      const token = readCookie(document.cookie, CSRF_COOKIE);
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) {
      window.location.assign(signInUrl(window.location.pathname + window.location.search));
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });
api.use(session);

/** The body of a successful answer, or an ApiError carrying status, message and code. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}
