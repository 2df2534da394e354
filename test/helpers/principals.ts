import { randomBytes } from 'node:crypto';
import { type TestApp } from './app';

export const BOOTSTRAP_TOKEN = `bootstrap-${randomBytes(24).toString('hex')}`;

export interface TestPrincipal {
  id: string;
  email: string;
  token: string;
  tokenId: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}.${randomBytes(4).toString('hex')}@example.com`;
}

/** Creates a principal through the API (as the bootstrap admin) and mints it a token. */
export async function createPrincipal(
  t: TestApp,
  options: { email?: string; roles?: ('admin' | 'auditor')[]; displayName?: string } = {},
): Promise<TestPrincipal> {
  const email = options.email ?? uniqueEmail(options.roles?.[0] ?? 'user');
  const created = await t.request('POST', '/api/v1/principals', {
    token: BOOTSTRAP_TOKEN,
    body: { email, roles: options.roles ?? [], displayName: options.displayName },
  });
  if (created.status !== 201) throw new Error(`create principal: ${created.status} ${created.text}`);
  const minted = await t.request('POST', `/api/v1/principals/${created.body.id}/tokens`, {
    token: BOOTSTRAP_TOKEN,
    body: { name: 'test' },
  });
  if (minted.status !== 201) throw new Error(`mint token: ${minted.status} ${minted.text}`);
  return { id: created.body.id, email, token: minted.body.token, tokenId: minted.body.id };
}
