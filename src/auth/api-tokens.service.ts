import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { type Actor, isAdmin } from '../platform/actor';
import { Keyset } from '../platform/database/keyset';
import { AppError, forbidden, notFound } from '../platform/http/app-error';
import { type Page } from '../platform/http/pagination';
import { AuthService } from './auth.service';
import { type CreatedTokenResponse, type CreateTokenDto, type TokenResponse } from './dto/principal.dto';
import { PrincipalsRepository, type TokenRow } from './principals.repository';
import { generateToken } from './tokens';

const DEFAULT_TOKEN_DAYS = 90;
const DAY_MS = 86_400_000;

function toTokenResponse(t: TokenRow): TokenResponse {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.created_at.toISOString(),
    expiresAt: t.expires_at.toISOString(),
    lastUsedAt: t.last_used_at?.toISOString() ?? null,
    revokedAt: t.revoked_at?.toISOString() ?? null,
  };
}

/** API tokens: minted (by their owner, or by an admin for a service principal), listed, revoked. */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly repo: PrincipalsRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Mints a token for `principalId`; an admin minting for someone else is audited as such. */
  async mintToken(actor: Actor, principalId: string, dto: CreateTokenDto): Promise<CreatedTokenResponse> {
    if (actor.type !== 'principal') throw forbidden();
    if (principalId !== actor.id && !isAdmin(actor)) throw forbidden('Only admins mint tokens for others');
    return this.dataSource.transaction(async (m) => {
      const owner = await this.repo.getById(principalId, m);
      if (!owner) throw notFound('Principal');
      // Its only credential is BOOTSTRAP_ADMIN_TOKEN, so that unsetting the variable retires it at once.
      if (owner.is_bootstrap) {
        throw new AppError('bootstrap_cannot_act', 'No token is ever minted for the bootstrap admin');
      }
      // With sign-in on, a person gets tokens only by signing in and minting their own (API.md).
      if (principalId !== actor.id && owner.kind === 'person' && this.config.oidc) {
        throw new AppError(
          'person_tokens_are_self_service',
          'While sign-in is configured, admins mint tokens only for service principals; a person mints their own',
        );
      }
      const { token, prefix, hash } = generateToken();
      const days = dto.expiresInDays ?? DEFAULT_TOKEN_DAYS;
      const row = await this.repo.insertToken(m, {
        principalId,
        name: dto.name,
        prefix,
        hash,
        createdBy: actor.id,
        expiresAt: new Date(Date.now() + days * DAY_MS),
      });
      await this.audit.record(m, actor, {
        action: 'token.minted',
        targetType: 'token',
        targetId: row.id,
        data: {
          principalId,
          name: row.name,
          tokenPrefix: prefix,
          expiresAt: row.expires_at.toISOString(),
          mintedForOther: principalId !== actor.id,
        },
      });
      return { id: row.id, name: row.name, token, prefix, expiresAt: row.expires_at.toISOString() };
    });
  }

  async listTokens(
    _actor: Actor,
    principalId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<TokenResponse>> {
    if (!(await this.repo.getById(principalId))) throw notFound('Principal');
    const ks = Keyset.from(cursor, limit);
    return ks.page(await this.repo.listTokens(principalId, ks), toTokenResponse);
  }

  /** A principal revokes its own tokens; admins revoke anyone's. */
  async revokeToken(actor: Actor, tokenId: string): Promise<void> {
    const token = await this.repo.getToken(tokenId);
    if (!token) throw notFound('Token');
    if (actor.type !== 'principal' || (token.principal_id !== actor.id && !isAdmin(actor))) {
      throw forbidden('You may revoke only your own tokens');
    }
    await this.dataSource.transaction(async (m) => {
      await this.repo.revokeToken(m, tokenId);
      await this.audit.record(m, actor, {
        action: 'token.revoked',
        targetType: 'token',
        targetId: tokenId,
        data: {
          principalId: token.principal_id,
          tokenPrefix: token.prefix,
          alreadyRevoked: token.revoked_at !== null,
        },
      });
    });
    this.auth.forgetAuthentications();
  }
}
