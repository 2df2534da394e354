import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { AuthThrottleService } from './auth-throttle.service';
import { PrincipalsController } from './principals.controller';
import { PrincipalsRepository } from './principals.repository';

@Module({
  imports: [AuditModule],
  controllers: [PrincipalsController],
  providers: [
    AuthService,
    PrincipalsRepository,
    AuthThrottleService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
