import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export type NodeEnv = 'production' | 'development' | 'test';
export type AppRole = 'all' | 'api' | 'worker';

/** The whole environment of API.md, validated once at boot. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  databaseUrl: string;
  /** The schema owner that runs migrations; null: DATABASE_URL owns the schema and migrates too. */
  databaseOwnerUrl: string | null;
  redisUrl: string;
  port: number;
  appRole: AppRole;
  migrationsRun: boolean;
  encryptionKey: Buffer;
  /** Keys rotated away from, newest first: they still open old secrets and verify old audit events. */
  encryptionKeyPrevious: Buffer[];
  bootstrapAdminToken: string | null;
  jumpcloudApiUrl: string | null;
  jumpcloudOauthTokenUrl: string | null;
  jumpcloudInsightsUrl: string | null;
  syncIntervalMinutes: number;
  /** A full sync at least this often; syncs in between are incremental when Directory Insights is readable. */
  fullSyncHours: number;
  expirySweepSeconds: number;
  maxGrantMinutes: number;
  /**
   * Which X-Forwarded-For entries to trust, in the forms Fastify's `trustProxy` (proxy-addr) takes:
   * false (none), true (every hop), a hop count, or the trusted proxies' addresses and CIDRs.
   */
  trustProxy: TrustProxy;
  docsEnabled: boolean;
  corsOrigins: string[];
  logLevel: string;
  /** Failed authentications one client address may make per window before it gets 429. */
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** A sync holds removals above this share (percent) of a connection's accounts or memberships. */
  syncRemovalHoldPercent: number;
  /** First wait before a failed sync job is tried again (doubles per attempt). */
  syncRetryBaseMs: number;
  /** The URL people open; every link in a notification is absolute on it (API.md). Null: unset. */
  publicUrl: string | null;
  /** The default email channel made at start when both are set and no email channel exists. */
  smtpUrl: string | null;
  mailFrom: string | null;
  /** Slack's Web API base for every Slack channel (a local stand-in in tests). */
  slackApiUrl: string;
  /** How long a webhook receiver, an SMTP server or Slack may take to answer one delivery. */
  notificationTimeoutMs: number;
  /**
   * Sign-in's view of PUBLIC_URL (API.md "Sign-in and sessions"): the OIDC redirect URI is
   * <this>/auth/callback, cookies are Secure when it is https, and cookie writes must come from its
   * origin. PUBLIC_URL when set; otherwise (never in production with sign-in on) http://localhost:PORT.
   */
  signInBaseUrl: string;
  /** OpenID Connect sign-in; null while OIDC_ISSUER_URL, OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is unset. */
  oidc: OidcConfig | null;
  /** JumpCloud group ids (the groups' externalId, any connection) whose members get admin / auditor. */
  adminGroups: string[];
  auditorGroups: string[];
  /** Session lifetimes: idle (since last seen) and absolute (since sign-in); fractions allowed. */
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** JumpCloud client: per-connection limits, per-request timeout and retries. */
  jumpcloud: {
    /** The ceiling of the adaptive concurrency per connection. */
    maxConcurrent: number;
    /** A fixed requests/s cap per connection; null (unset): none, the client adapts to 429s. */
    requestsPerSecond: number | null;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
  };
}

export type TrustProxy = boolean | number | string[];

export interface OidcConfig {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

export const LOCAL_DATABASE_URL = 'postgres://jumpgate:jg-local-dev-5f1c@127.0.0.1:54329/jumpgate';
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:63799';

/** Raised for a bad or missing variable; the message names the variable and never echoes its value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid environment: ${variable} ${reason}`);
  }
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function parseUrl(env: Env, name: string, protocols: string[], fallback: string | null): string {
  const raw = present(env, name);
  if (raw === undefined) {
    if (fallback === null) throw new ConfigError(name, 'is required in production');
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}`);
  }
  if (!url.hostname) throw new ConfigError(name, 'has no host');
  return raw;
}

function parseInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, 'must be an integer');
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return n;
}

function parseBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const v = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(name, 'must be true or false');
}

// Names proxy-addr understands for the private ranges, besides addresses and CIDRs.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One trusted proxy: an address, an address/prefix (CIDR) or one of proxy-addr's range names. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY (API.md): `false`, `true`, a hop count, or a comma-separated list of trusted proxy
 * CIDRs. Checked here rather than left to proxy-addr, which would fail on the first request instead
 * of at boot, and with a message that quotes the value.
 */
export function parseTrustProxy(env: Env): TrustProxy {
  const raw = present(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  const v = raw.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 100) throw new ConfigError('TRUST_PROXY', 'as a hop count must be between 0 and 100');
    // 0 hops trusts nothing: the same as false, which Fastify understands without a function.
    return hops === 0 ? false : hops;
  }
  const entries = v.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isProxyEntry(e));
  if (entries.length === 0 || bad.length > 0) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be true, false, a hop count, or a comma-separated list of CIDRs (such as 10.0.0.0/8, fd00::/8); ${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} not`,
    );
  }
  return entries;
}

function parseKey(env: Env, name: string): Buffer | undefined {
  const raw = present(env, name);
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) throw new ConfigError(name, 'must be base64');
  const key = Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
  if (key.length !== 32) throw new ConfigError(name, 'must decode to exactly 32 bytes');
  return key;
}

function parseKeyList(env: Env, name: string): Buffer[] {
  const raw = present(env, name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => parseKey({ [name]: part }, name) as Buffer);
}

function parseOverride(env: Env, name: string, production: boolean): string | null {
  const raw = present(env, name);
  if (raw === undefined) return null;
  // Production talks to JumpCloud only over TLS; tests point at the emulator over plain HTTP.
  return parseUrl(env, name, production ? ['https:'] : ['https:', 'http:'], null).replace(/\/+$/, '');
}

function parsePositive(env: Env, name: string, fallback: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, 'must be a positive number');
  const n = Number(raw);
  if (n <= 0 || n > max) throw new ConfigError(name, `must be above 0 and at most ${max}`);
  return n;
}

function parseList(env: Env, name: string): string[] {
  const raw = present(env, name);
  if (raw === undefined) return [];
  return [
    ...new Set(
      raw
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * Sign-in is on only when issuer, client id and secret are all set; one or two of them is a mistake
 * worth failing the boot for rather than silently running without sign-in. In production the issuer
 * must be https (like the JumpCloud overrides) and PUBLIC_URL must be given.
 */
function parseOidc(env: Env, production: boolean, publicUrlGiven: boolean): OidcConfig | null {
  const names = ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;
  const missing = names.filter((n) => present(env, n) === undefined);
  if (missing.length === names.length) return null;
  if (missing.length > 0) {
    throw new ConfigError(
      missing[0],
      `is required when ${names.filter((n) => !missing.includes(n)).join(', ')} is set`,
    );
  }
  if (production && !publicUrlGiven) {
    throw new ConfigError('PUBLIC_URL', 'is required in production when sign-in (OIDC_*) is configured');
  }
  const issuerUrl = parseUrl(env, 'OIDC_ISSUER_URL', production ? ['https:'] : ['https:', 'http:'], null);
  const scopes = present(env, 'OIDC_SCOPES') ?? 'openid email profile';
  if (!scopes.split(/\s+/).includes('openid')) throw new ConfigError('OIDC_SCOPES', 'must include openid');
  return {
    issuerUrl,
    clientId: present(env, 'OIDC_CLIENT_ID') as string,
    clientSecret: present(env, 'OIDC_CLIENT_SECRET') as string,
    scopes,
  };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const rawEnv = present(env, 'NODE_ENV');
  const nodeEnv: NodeEnv = rawEnv === 'development' || rawEnv === 'test' ? rawEnv : 'production';
  const production = nodeEnv === 'production';

  const role = present(env, 'APP_ROLE') ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError('APP_ROLE', 'must be all, api or worker');
  }

  const encryptionKey = parseKey(env, 'ENCRYPTION_KEY');
  if (!encryptionKey && production) throw new ConfigError('ENCRYPTION_KEY', 'is required in production');

  const bootstrap = present(env, 'BOOTSTRAP_ADMIN_TOKEN') ?? null;
  if (bootstrap !== null && bootstrap.length < 32) {
    throw new ConfigError('BOOTSTRAP_ADMIN_TOKEN', 'must be at least 32 characters');
  }

  const cors = present(env, 'CORS_ORIGINS');
  const publicUrl = present(env, 'PUBLIC_URL')
    ? parseUrl(env, 'PUBLIC_URL', ['https:', 'http:'], null).replace(/\/+$/, '')
    : null;
  // Links and the OIDC redirect URI are built by appending paths to it.
  if (publicUrl && /[?#]/.test(publicUrl)) {
    throw new ConfigError('PUBLIC_URL', 'must not carry a query or fragment');
  }
  const smtpUrl = present(env, 'SMTP_URL') ? parseUrl(env, 'SMTP_URL', ['smtp:', 'smtps:'], null) : null;
  const mailFrom = present(env, 'MAIL_FROM') ?? null;
  // A channel enabled at start links to the web app; links must be absolute (API.md "Notifications").
  if (production && smtpUrl && mailFrom && !publicUrl) {
    throw new ConfigError(
      'PUBLIC_URL',
      'is required in production as soon as a channel is enabled (SMTP_URL)',
    );
  }
  const port = parseInteger(env, 'PORT', 3000, 0, 65535);
  return {
    nodeEnv,
    databaseUrl: parseUrl(
      env,
      'DATABASE_URL',
      ['postgres:', 'postgresql:'],
      production ? null : LOCAL_DATABASE_URL,
    ),
    databaseOwnerUrl: present(env, 'DATABASE_OWNER_URL')
      ? parseUrl(env, 'DATABASE_OWNER_URL', ['postgres:', 'postgresql:'], null)
      : null,
    redisUrl: parseUrl(env, 'REDIS_URL', ['redis:', 'rediss:'], production ? null : LOCAL_REDIS_URL),
    port,
    appRole: role,
    migrationsRun: parseBool(env, 'MIGRATIONS_RUN', true),
    // Outside production a random key per process keeps development free of setup; stored secrets
    // then do not survive a restart, which is why production requires the variable.
    encryptionKey: encryptionKey ?? randomBytes(32),
    encryptionKeyPrevious: parseKeyList(env, 'ENCRYPTION_KEY_PREVIOUS'),
    bootstrapAdminToken: bootstrap,
    jumpcloudApiUrl: parseOverride(env, 'JUMPCLOUD_API_URL', production),
    jumpcloudOauthTokenUrl: parseOverride(env, 'JUMPCLOUD_OAUTH_TOKEN_URL', production),
    jumpcloudInsightsUrl: parseOverride(env, 'JUMPCLOUD_INSIGHTS_URL', production),
    syncIntervalMinutes: parseInteger(env, 'SYNC_INTERVAL_MINUTES', 60, 0, 525600),
    fullSyncHours: parseInteger(env, 'FULL_SYNC_HOURS', 24, 1, 8760),
    expirySweepSeconds: parseInteger(env, 'EXPIRY_SWEEP_SECONDS', 30, 1, 86400),
    maxGrantMinutes: parseInteger(env, 'MAX_GRANT_MINUTES', 10080, 1, 525600),
    trustProxy: parseTrustProxy(env),
    docsEnabled: parseBool(env, 'DOCS_ENABLED', true),
    corsOrigins: cors
      ? cors
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : [],
    logLevel: present(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    authFailureLimit: parseInteger(env, 'AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
    authFailureWindowSeconds: parseInteger(env, 'AUTH_FAILURE_WINDOW_SECONDS', 300, 1, 86400),
    syncRemovalHoldPercent: parseInteger(env, 'SYNC_REMOVAL_HOLD_PERCENT', 20, 0, 100),
    syncRetryBaseMs: parseInteger(env, 'SYNC_RETRY_BASE_MS', 5000, 1, 3_600_000),
    publicUrl,
    smtpUrl,
    mailFrom,
    // The Slack client joins method names onto this base, so it must end with a slash.
    slackApiUrl: parseUrl(env, 'SLACK_API_URL', ['https:', 'http:'], 'https://slack.com/api/').replace(
      /\/*$/,
      '/',
    ),
    notificationTimeoutMs: parseInteger(env, 'NOTIFICATION_TIMEOUT_MS', 10_000, 100, 600_000),
    signInBaseUrl: publicUrl ?? `http://localhost:${port}`,
    oidc: parseOidc(env, production, present(env, 'PUBLIC_URL') !== undefined),
    adminGroups: parseList(env, 'ADMIN_GROUPS'),
    auditorGroups: parseList(env, 'AUDITOR_GROUPS'),
    sessionIdleMinutes: parsePositive(env, 'SESSION_IDLE_MINUTES', 60, 525_600),
    sessionMaxHours: parsePositive(env, 'SESSION_MAX_HOURS', 12, 8_760),
    jumpcloud: {
      maxConcurrent: parseInteger(env, 'JUMPCLOUD_MAX_CONCURRENT', 8, 1, 256),
      // Unset = no cap (API.md): JumpCloud publishes no numbers, so a guessed cap only slows syncs.
      requestsPerSecond: present(env, 'JUMPCLOUD_REQUESTS_PER_SECOND')
        ? parseInteger(env, 'JUMPCLOUD_REQUESTS_PER_SECOND', 0, 1, 10_000)
        : null,
      timeoutMs: parseInteger(env, 'JUMPCLOUD_TIMEOUT_MS', 30_000, 100, 600_000),
      maxAttempts: parseInteger(env, 'JUMPCLOUD_MAX_ATTEMPTS', 5, 1, 20),
      retryBaseMs: parseInteger(env, 'JUMPCLOUD_RETRY_BASE_MS', 500, 1, 60_000),
    },
  };
}

/**
 * What `npm run migration:run` needs and nothing more: the owner's URL (DATABASE_OWNER_URL, else
 * DATABASE_URL), so an operator can migrate with the owner's credentials alone, without the server's
 * DATABASE_URL, REDIS_URL or ENCRYPTION_KEY at hand.
 */
export function loadMigrationUrl(env: Env = process.env): string {
  const rawEnv = present(env, 'NODE_ENV');
  const production = rawEnv !== 'development' && rawEnv !== 'test';
  if (present(env, 'DATABASE_OWNER_URL')) {
    return parseUrl(env, 'DATABASE_OWNER_URL', ['postgres:', 'postgresql:'], null);
  }
  return parseUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], production ? null : LOCAL_DATABASE_URL);
}

/** Values the logger must never print, whatever field they turn up in. */
export function sensitiveValues(config: AppConfig): string[] {
  const out: string[] = [config.encryptionKey.toString('base64'), config.encryptionKey.toString('base64url')];
  for (const key of config.encryptionKeyPrevious) out.push(key.toString('base64'), key.toString('base64url'));
  if (config.bootstrapAdminToken) out.push(config.bootstrapAdminToken);
  if (config.oidc) out.push(config.oidc.clientSecret);
  for (const raw of [
    config.databaseUrl,
    config.databaseOwnerUrl ?? config.databaseUrl,
    config.redisUrl,
    ...(config.smtpUrl ? [config.smtpUrl] : []),
  ]) {
    const pw = new URL(raw).password;
    if (pw) out.push(pw, decodeURIComponent(pw));
  }
  return out.filter((v) => v.length >= 4);
}
