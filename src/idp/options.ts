/** One person the provider can sign in. */
export interface IdpUser {
  sub: string;
  email: string;
  /** Defaults to true: a directory's email is one its administrators set. */
  email_verified?: boolean;
  name: string;
  password: string;
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface IdpOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Default `http://<host>:<port>`. */
  issuer?: string;
  client: IdpClient;
  users: IdpUser[];
  /** Serves `/__idp/…` to make the next id_token faulty. Tests only, never a demo. */
  testControls?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Refuses users the provider could not serve unambiguously: a clear message beats a confusing sign-in. */
export function validateUsers(users: unknown): IdpUser[] {
  if (!Array.isArray(users)) throw new Error('users must be a JSON array');
  const subs = new Set<string>();
  const emails = new Set<string>();
  return users.map((u: unknown, i) => {
    if (typeof u !== 'object' || u === null) throw new Error(`users[${i}] must be an object`);
    const r = u as Record<string, unknown>;
    for (const key of ['sub', 'email', 'name', 'password'] as const) {
      if (typeof r[key] !== 'string' || r[key] === '')
        throw new Error(`users[${i}].${key} must be a non-empty string`);
    }
    if (r.email_verified !== undefined && typeof r.email_verified !== 'boolean')
      throw new Error(`users[${i}].email_verified must be a boolean`);
    const user: IdpUser = {
      sub: r.sub as string,
      email: r.email as string,
      name: r.name as string,
      password: r.password as string,
      email_verified: r.email_verified ?? true,
    };
    if (!EMAIL.test(user.email)) throw new Error(`users[${i}].email is not an email address`);
    const email = user.email.toLowerCase();
    if (subs.has(user.sub)) throw new Error(`users[${i}]: sub ${user.sub} appears twice`);
    if (emails.has(email)) throw new Error(`users[${i}]: email ${user.email} appears twice`);
    subs.add(user.sub);
    emails.add(email);
    return user;
  });
}
