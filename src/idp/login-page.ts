import { escapeHtml } from './http';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}' +
  'label{display:block;margin-top:1rem}input{display:block;width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1.5rem;padding:.5rem 1.5rem}.error{color:#a00}';

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body>
</html>
`;
}

/** A plain form that works without JavaScript: labelled email and password, posted to the interaction. */
export function loginPage(opts: {
  action: string;
  clientName: string;
  email?: string;
  error?: string;
}): string {
  const error = opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>\n` : '';
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to ${escapeHtml(opts.clientName)}</p>
${error}<form method="post" action="${escapeHtml(opts.action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(opts.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function errorPage(title: string, details: Record<string, string>): string {
  const rows = Object.entries(details)
    .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
    .join('\n');
  return page(title, `<h1>${escapeHtml(title)}</h1>\n${rows}`);
}
