import { Module } from '@nestjs/common';
import { AuditIntegrityService } from './audit-integrity.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditIntegrityService],
  exports: [AuditService, AuditIntegrityService],
})
export class AuditModule {}
