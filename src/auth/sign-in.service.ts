import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { systemActor } from '../platform/actor';
import { actorOf } from './actor-of';
import { AuthService } from './auth.service';
import { type PrincipalRow, PrincipalsRepository } from './principals.repository';
import { RoleGroupsService } from './role-groups.service';
import { SessionsService } from './sessions.service';
import { decideSignIn, type PrincipalFacts, type SignInErrorCode } from './sign-in.policy';

/** The claims of a validated id_token that sign-in reads. */
export interface IdentityClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
}

export type SignInResult = { ok: true; cookies: string[] } | { ok: false; code: SignInErrorCode };

const SIGN_IN_ACTOR = systemActor('sign-in');

const factsOf = (p: PrincipalRow | null): PrincipalFacts | null =>
  p && { id: p.id, email: p.email, kind: p.kind, disabled: p.disabled, bound: p.oidc_subject !== null };

class Refused extends Error {
  constructor(readonly code: SignInErrorCode) {
    super(code);
  }
}

/**
 * What happens after the provider vouched for someone: the identity rules (sign-in.policy.ts) pick or
 * create the principal, its roles come from the role groups, and a session starts, all in one
 * transaction. Refusals are audited (who tried, and why), never with a token.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly repo: PrincipalsRepository,
    private readonly auth: AuthService,
    private readonly roleGroups: RoleGroupsService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  async complete(claims: IdentityClaims, userAgent: string | null): Promise<SignInResult> {
    const identity = { issuer: claims.iss, subject: claims.sub };
    const email = typeof claims.email === 'string' && claims.email.trim() !== '' ? claims.email.trim() : null;
    try {
      return await this.dataSource.transaction(async (m) => {
        const principal = await this.principalFor(m, claims, email);
        await this.roleGroups.recompute(m, SIGN_IN_ACTOR, 'sign-in', [principal.id]);
        const current = await this.repo.getById(principal.id, m);
        if (!current) throw new Error('signed-in principal vanished');
        const { session, cookies } = await this.sessions.create(m, current.id, userAgent);
        await this.audit.record(m, actorOf(current, { via: 'session', sessionId: session.id }), {
          action: 'session.signed_in',
          targetType: 'session',
          targetId: session.id,
          data: { principalId: current.id, issuer: identity.issuer, roles: current.roles },
        });
        return { ok: true as const, cookies };
      });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      await this.dataSource.transaction((m) =>
        this.audit.record(m, SIGN_IN_ACTOR, {
          action: 'session.sign_in_refused',
          targetType: null,
          targetId: null,
          data: { code: err.code, issuer: identity.issuer, subject: identity.subject, email },
        }),
      );
      return { ok: false, code: err.code };
    }
  }

  /** The principal this sign-in is for, bound or created as the identity rules decide. */
  private async principalFor(
    m: EntityManager,
    claims: IdentityClaims,
    email: string | null,
  ): Promise<PrincipalRow> {
    const identity = { issuer: claims.iss, subject: claims.sub };
    const bound = await this.repo.getByIdentity(identity.issuer, identity.subject, m);
    const byEmail = email ? await this.repo.getByEmail(email, m) : null;
    const directory = this.auth.directory;
    const decision = decideSignIn({
      bound: factsOf(bound),
      email,
      emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined,
      byEmail: factsOf(byEmail),
      emailStatus: email ? await directory.accountStatusForEmail(email) : 'none',
      boundEmailStatus: bound ? await directory.accountStatusForEmail(bound.email) : 'none',
    });
    switch (decision.kind) {
      case 'refuse':
        throw new Refused(decision.code);
      case 'bound': {
        if (!bound) throw new Error('bound decision without a bound principal');
        if (decision.newEmail === null) return bound;
        const updated = await this.repo.setEmail(m, bound.id, decision.newEmail);
        if (!updated) throw new Refused('identity_conflict');
        await this.audit.record(m, SIGN_IN_ACTOR, {
          action: 'principal.updated',
          targetType: 'principal',
          targetId: bound.id,
          data: {
            reason: 'provider email changed',
            changes: { email: { from: bound.email, to: updated.email } },
          },
        });
        this.auth.forgetAuthentications();
        return updated;
      }
      case 'bind': {
        const p = await this.repo.bindIdentity(m, decision.principalId, identity);
        if (!p) throw new Refused('identity_conflict');
        await this.audit.record(m, SIGN_IN_ACTOR, {
          action: 'principal.bound',
          targetType: 'principal',
          targetId: p.id,
          data: { email: p.email, issuer: identity.issuer, subject: identity.subject },
        });
        // Its hand-set roles now give way to the group-derived ones: the recompute that follows
        // (in this transaction) sets and audits them.
        return p;
      }
      case 'create': {
        const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
        const p = await this.repo.insert(m, {
          email: decision.email,
          displayName: name,
          roles: [],
          identity,
        });
        // Another first sign-in with this email won the race: a second subject for one email.
        if (!p) throw new Refused('identity_conflict');
        await this.audit.record(m, SIGN_IN_ACTOR, {
          action: 'principal.created',
          targetType: 'principal',
          targetId: p.id,
          data: {
            email: p.email,
            kind: p.kind,
            roles: [],
            issuer: identity.issuer,
            subject: identity.subject,
          },
        });
        return p;
      }
    }
  }
}
