import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { AuthThrottleService } from './auth-throttle.service';
import { OidcClient } from './oidc-client';
import { OidcLoginService } from './oidc-login.service';
import { PrincipalsController } from './principals.controller';
import { PrincipalsRepository } from './principals.repository';
import { RoleGroupsService } from './role-groups.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

@Module({
  imports: [AuditModule],
  controllers: [PrincipalsController, SessionsController, SignInController],
  providers: [
    AuthService,
    ApiTokensService,
    PrincipalsRepository,
    SessionsRepository,
    SessionsService,
    RoleGroupsService,
    SignInService,
    OidcClient,
    OidcLoginService,
    AuthThrottleService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
