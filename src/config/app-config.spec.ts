import { ConfigError, loadConfig, loadMigrationUrl, sensitiveValues } from './app-config';

const key = Buffer.alloc(32, 7).toString('base64');
const prod = {
  DATABASE_URL: 'postgres://app:s3cretpw@db.internal:5432/jumpgate',
  REDIS_URL: 'redis://:r3dispw@redis.internal:6379',
  ENCRYPTION_KEY: key,
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to production and requires the production variables', () => {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ENCRYPTION_KEY']) {
      const env: Record<string, string> = { ...prod };
      delete env[name];
      const err = errorOf(env);
      expect(err.variable).toBe(name);
      expect(err.message).toContain(name);
    }
  });

  it('treats any unknown NODE_ENV as production', () => {
    expect(errorOf({ NODE_ENV: 'staging' }).message).toMatch(
      /(DATABASE_URL|REDIS_URL|ENCRYPTION_KEY) is required in production/,
    );
  });

  it('names a malformed DATABASE_URL without echoing its password', () => {
    const err = errorOf({ ...prod, DATABASE_URL: 'postgres//app:s3cretpw@db:5432/x' });
    expect(err.variable).toBe('DATABASE_URL');
    expect(err.message).not.toContain('s3cretpw');
    const wrongScheme = errorOf({ ...prod, DATABASE_URL: 'mysql://app:s3cretpw@db/x' });
    expect(wrongScheme.message).toContain('DATABASE_URL');
    expect(wrongScheme.message).not.toContain('s3cretpw');
  });

  it('applies API.md defaults', () => {
    const c = loadConfig(prod);
    expect(c).toMatchObject({
      nodeEnv: 'production',
      port: 3000,
      appRole: 'all',
      migrationsRun: true,
      syncIntervalMinutes: 60,
      fullSyncHours: 24,
      expirySweepSeconds: 30,
      maxGrantMinutes: 10080,
      trustProxy: false,
      docsEnabled: true,
      bootstrapAdminToken: null,
      jumpcloudApiUrl: null,
      jumpcloudInsightsUrl: null,
    });
    expect(c.encryptionKey.length).toBe(32);
  });

  it('JumpCloud limits: 8 in flight and no requests/s cap unless JUMPCLOUD_REQUESTS_PER_SECOND is set', () => {
    expect(loadConfig(prod).jumpcloud).toMatchObject({ maxConcurrent: 8, requestsPerSecond: null });
    expect(
      loadConfig({ ...prod, JUMPCLOUD_REQUESTS_PER_SECOND: ' ' }).jumpcloud.requestsPerSecond,
    ).toBeNull();
    const set = loadConfig({ ...prod, JUMPCLOUD_MAX_CONCURRENT: '3', JUMPCLOUD_REQUESTS_PER_SECOND: '20' });
    expect(set.jumpcloud).toMatchObject({ maxConcurrent: 3, requestsPerSecond: 20 });
    for (const [name, value, reason] of [
      ['JUMPCLOUD_MAX_CONCURRENT', '0', 'must be between 1 and 256'],
      ['JUMPCLOUD_MAX_CONCURRENT', '2.5', 'must be an integer'],
      ['JUMPCLOUD_MAX_CONCURRENT', '257', 'must be between 1 and 256'],
      ['JUMPCLOUD_REQUESTS_PER_SECOND', '0', 'must be between 1 and 10000'],
      ['JUMPCLOUD_REQUESTS_PER_SECOND', 'unlimited', 'must be an integer'],
    ]) {
      const e = errorOf({ ...prod, [name]: value });
      expect([e.variable, e.message]).toEqual([name, `Invalid environment: ${name} ${reason}`]);
    }
  });

  it('uses local services outside production', () => {
    const c = loadConfig({ NODE_ENV: 'development' });
    expect(c.databaseUrl).toContain('127.0.0.1:54329');
    expect(c.redisUrl).toContain('127.0.0.1:63799');
  });

  it.each([
    ['ENCRYPTION_KEY', 'c2hvcnQ='],
    ['APP_ROLE', 'scheduler'],
    ['PORT', 'eighty'],
    ['MIGRATIONS_RUN', 'maybe'],
    ['BOOTSTRAP_ADMIN_TOKEN', 'too-short'],
    ['JUMPCLOUD_API_URL', 'http://emulator.local/api'],
    ['JUMPCLOUD_INSIGHTS_URL', 'http://emulator.local/insights/directory/v1'],
    ['SYNC_INTERVAL_MINUTES', '-1'],
  ])('rejects a bad %s', (name, value) => {
    expect(errorOf({ ...prod, [name]: value }).variable).toBe(name);
  });

  it('accepts plain http JumpCloud overrides outside production', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      JUMPCLOUD_API_URL: 'http://127.0.0.1:4010/api/',
      JUMPCLOUD_INSIGHTS_URL: 'http://127.0.0.1:4010/insights/directory/v1',
    });
    expect(c.jumpcloudApiUrl).toBe('http://127.0.0.1:4010/api');
    expect(c.jumpcloudInsightsUrl).toBe('http://127.0.0.1:4010/insights/directory/v1');
  });

  it('reads DATABASE_OWNER_URL, and several previous keys newest first', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64url');
    const c = loadConfig({
      ...prod,
      DATABASE_OWNER_URL: 'postgres://owner:0wnerpw@db.internal:5432/jumpgate',
      ENCRYPTION_KEY_PREVIOUS: ` ${k2} , ${k1}`,
    });
    expect(c.databaseOwnerUrl).toBe('postgres://owner:0wnerpw@db.internal:5432/jumpgate');
    expect(c.encryptionKeyPrevious.map((k) => k[0])).toEqual([2, 1]);
    expect(loadConfig(prod).databaseOwnerUrl).toBeNull();
    expect(loadConfig(prod).encryptionKeyPrevious).toEqual([]);
    // The logger redacts the owner's password and every previous key.
    const secrets = sensitiveValues(c);
    expect(secrets).toEqual(
      expect.arrayContaining(['0wnerpw', 's3cretpw', k1, Buffer.alloc(32, 2).toString('base64')]),
    );
    const bad = errorOf({ ...prod, ENCRYPTION_KEY_PREVIOUS: `${k1},c2hvcnQ=` });
    expect(bad.variable).toBe('ENCRYPTION_KEY_PREVIOUS');
    expect(bad.message).not.toContain(k1);
    expect(errorOf({ ...prod, DATABASE_OWNER_URL: 'mysql://o:0wnerpw@db/x' }).message).not.toContain(
      '0wnerpw',
    );
  });

  it('migrates as DATABASE_OWNER_URL when set, else DATABASE_URL, needing nothing else', () => {
    expect(loadMigrationUrl({ DATABASE_OWNER_URL: 'postgres://o:p@db/x' })).toBe('postgres://o:p@db/x');
    expect(loadMigrationUrl({ DATABASE_URL: 'postgres://a:p@db/x' })).toBe('postgres://a:p@db/x');
    expect(() => loadMigrationUrl({})).toThrow(/DATABASE_URL is required in production/);
    expect(loadMigrationUrl({ NODE_ENV: 'test' })).toContain('127.0.0.1:54329');
  });

  it('takes TRUST_PROXY as true, false, a hop count or a list of CIDRs', () => {
    const trust = (v: string) => loadConfig({ ...prod, TRUST_PROXY: v }).trustProxy;
    expect(loadConfig(prod).trustProxy).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('FALSE')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('0')).toBe(false);
    expect(trust('10.0.0.0/8, 192.168.1.7,fd00::/8 ,::1')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      '::1',
    ]);
    expect(trust('loopback,172.16.0.0/12')).toEqual(['loopback', '172.16.0.0/12']);
  });

  it.each([
    'yes',
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0/8',
    '10.0.0.0/8,',
    'proxy.internal',
    '-1',
    '101',
    '10.0.0.0/255.0.0.0',
  ])('refuses TRUST_PROXY=%s at boot with a message naming the variable', (value) => {
    const err = errorOf({ ...prod, TRUST_PROXY: value });
    expect(err.variable).toBe('TRUST_PROXY');
    expect(err.message).toMatch(/TRUST_PROXY (must be true, false, a hop count|as a hop count)/);
  });

  describe('sign-in (OIDC_*, PUBLIC_URL, role groups, sessions)', () => {
    const oidc = {
      OIDC_ISSUER_URL: 'https://oauth.id.jumpcloud.com/',
      OIDC_CLIENT_ID: 'jumpgate',
      OIDC_CLIENT_SECRET: 'client-s3cret-value',
      PUBLIC_URL: 'https://jumpgate.example.com/',
    };

    it('is off while the OIDC variables are unset, with API.md defaults', () => {
      const c = loadConfig(prod);
      expect(c.oidc).toBeNull();
      expect(c.signInBaseUrl).toBe('http://localhost:3000');
      expect(c).toMatchObject({
        adminGroups: [],
        auditorGroups: [],
        sessionIdleMinutes: 60,
        sessionMaxHours: 12,
      });
    });

    it('is on with all three set; scopes default; PUBLIC_URL loses its trailing slash', () => {
      const c = loadConfig({ ...prod, ...oidc });
      expect(c.oidc).toEqual({
        issuerUrl: 'https://oauth.id.jumpcloud.com/',
        clientId: 'jumpgate',
        clientSecret: 'client-s3cret-value',
        scopes: 'openid email profile',
      });
      expect(c.signInBaseUrl).toBe('https://jumpgate.example.com');
    });

    it('refuses one or two of the three, naming a missing one', () => {
      const env: Record<string, string> = { ...prod, ...oidc };
      delete env.OIDC_CLIENT_SECRET;
      expect(errorOf(env).variable).toBe('OIDC_CLIENT_SECRET');
    });

    it('requires https for the issuer and PUBLIC_URL in production, not in development', () => {
      expect(errorOf({ ...prod, ...oidc, OIDC_ISSUER_URL: 'http://idp.internal' }).variable).toBe(
        'OIDC_ISSUER_URL',
      );
      const noPublic: Record<string, string> = { ...prod, ...oidc };
      delete noPublic.PUBLIC_URL;
      expect(errorOf(noPublic).variable).toBe('PUBLIC_URL');
      const dev = loadConfig({
        NODE_ENV: 'development',
        ...oidc,
        OIDC_ISSUER_URL: 'http://127.0.0.1:4000',
        PUBLIC_URL: '',
        PORT: '3100',
      });
      expect(dev.oidc?.issuerUrl).toBe('http://127.0.0.1:4000');
      expect(dev.signInBaseUrl).toBe('http://localhost:3100');
    });

    it('refuses scopes without openid and a PUBLIC_URL with a query', () => {
      expect(errorOf({ ...prod, ...oidc, OIDC_SCOPES: 'email profile' }).variable).toBe('OIDC_SCOPES');
      expect(errorOf({ ...prod, ...oidc, PUBLIC_URL: 'https://j.example.com/?a=1' }).variable).toBe(
        'PUBLIC_URL',
      );
    });

    it('parses role groups as deduplicated lists and fractional lifetimes', () => {
      const c = loadConfig({
        ...prod,
        ADMIN_GROUPS: ' 5f1a, 5f1b ,5f1a',
        AUDITOR_GROUPS: '6a00',
        SESSION_IDLE_MINUTES: '0.05',
        SESSION_MAX_HOURS: '0.01',
      });
      expect(c).toMatchObject({
        adminGroups: ['5f1a', '5f1b'],
        auditorGroups: ['6a00'],
        sessionIdleMinutes: 0.05,
        sessionMaxHours: 0.01,
      });
      for (const bad of ['0', '-1', 'soon']) {
        expect(errorOf({ ...prod, SESSION_IDLE_MINUTES: bad }).variable).toBe('SESSION_IDLE_MINUTES');
      }
    });

    it('names the client secret among the values the logger redacts', () => {
      expect(sensitiveValues(loadConfig({ ...prod, ...oidc }))).toContain('client-s3cret-value');
    });
  });
});
