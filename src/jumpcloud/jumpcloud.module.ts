import { Module } from '@nestjs/common';
import { JumpCloudClientFactory } from './jumpcloud-client.factory';

@Module({
  providers: [JumpCloudClientFactory],
  exports: [JumpCloudClientFactory],
})
export class JumpCloudModule {}
