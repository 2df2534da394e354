/** An error answer of the API (API.md "Conventions": statusCode, error, message, code?). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    /** Each message of the answer: a 400 lists one per field it refused. */
    readonly messages: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; code?: unknown };
    const messages = Array.isArray(b.message)
      ? b.message.map(String)
      : [typeof b.message === 'string' ? b.message : `HTTP ${status}`];
    return new ApiError(status, messages.join('; '), typeof b.code === 'string' ? b.code : null, messages);
  }
  return new ApiError(status, typeof body === 'string' && body ? body : `HTTP ${status}`);
}

export interface ErrorView {
  title: string;
  /** What happened, in the server's words where they help. */
  detail: string;
  /** What the person can do about it. */
  action: string;
}

/** How a failure is shown: 403 as "you may not", 409 as what conflicts, and always what to do next. */
export function describeError(err: unknown): ErrorView {
  if (!(err instanceof ApiError)) {
    return {
      title: 'jumpgate cannot be reached',
      detail: err instanceof Error ? err.message : String(err),
      action: 'Check your network connection, then try again.',
    };
  }
  if (err.status === 401) {
    return { title: 'You are signed out', detail: err.message, action: 'Sign in again to continue.' };
  }
  if (err.status === 403) {
    return {
      title: 'You may not do this',
      detail: err.message,
      action: 'Ask an administrator of jumpgate if you believe you should.',
    };
  }
  if (err.status === 404) {
    return {
      title: 'Not found',
      detail: err.message,
      action: 'It may have been removed; go back and reload.',
    };
  }
  if (err.status === 409) {
    return {
      title: 'This conflicts with the current state',
      detail: err.message,
      action: 'Reload to see the current state, then decide again.',
    };
  }
  if (err.status === 429) {
    return { title: 'Too many attempts', detail: err.message, action: 'Wait a minute, then try again.' };
  }
  if (err.status >= 400 && err.status < 500) {
    return {
      title: 'This was not accepted',
      detail: err.message,
      action: 'Correct what the message names and send again.',
    };
  }
  return {
    title: 'jumpgate had a problem',
    detail: err.message,
    action: 'Try again in a moment; if it persists, tell your jumpgate administrator.',
  };
}
