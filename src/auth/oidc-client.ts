import { Inject, Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { type AppConfig, type OidcConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** How long discovery and each request to the provider may take. */
const PROVIDER_TIMEOUT_SECONDS = 10;

/**
 * The relying party's view of the provider (openid-client): discovered lazily from OIDC_ISSUER_URL at
 * the first sign-in, so the server starts while the provider is down; a failed discovery is
 * forgotten, so the next sign-in tries again.
 */
@Injectable()
export class OidcClient {
  private readonly logger = new Logger(OidcClient.name);
  private discovered: Promise<oidc.Configuration> | null = null;
  readonly settings: OidcConfig | null;
  readonly redirectUri: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.oidc;
    this.redirectUri = `${config.signInBaseUrl}/auth/callback`;
  }

  configuration(): Promise<oidc.Configuration> {
    const settings = this.settings;
    if (!settings) return Promise.reject(new Error('sign-in is not configured'));
    this.discovered ??= this.discover(settings).catch((err: unknown) => {
      this.discovered = null;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'OIDC discovery failed');
      throw err;
    });
    return this.discovered;
  }

  private async discover(s: OidcConfig): Promise<oidc.Configuration> {
    const issuer = new URL(s.issuerUrl);
    const config = await oidc.discovery(
      issuer,
      s.clientId,
      undefined,
      oidc.ClientSecretBasic(s.clientSecret),
      {
        // Plain http only where the configuration allowed it (never in production: app-config).
        execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: PROVIDER_TIMEOUT_SECONDS,
      },
    );
    // openid-client trusts an id_token from the token endpoint over TLS without checking its
    // signature; we check it against the provider's keys, so a token signed by another key is refused.
    oidc.enableNonRepudiationChecks(config);
    return config;
  }
}
