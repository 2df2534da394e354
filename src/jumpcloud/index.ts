export { JumpCloudClient, type ListOptions } from './jumpcloud.client';
export { JumpCloudClientFactory } from './jumpcloud-client.factory';
export { JumpCloudModule } from './jumpcloud.module';
export { JumpCloudConnectionRegistry, defaultConnectionRegistry } from './jumpcloud.connection-state';
export {
  JumpCloudError,
  JUMPCLOUD_ERROR_CODES,
  isJumpCloudError,
  type JumpCloudErrorCode,
  type JumpCloudPermissionArea,
} from './jumpcloud.errors';
export {
  REGION_URLS,
  JUMPCLOUD_MAX_PAGE_SIZE,
  type JumpCloudBackoff,
  type JumpCloudClientEvent,
  type JumpCloudClientOptions,
  type JumpCloudCredentials,
  type JumpCloudLimits,
  type JumpCloudRegion,
} from './jumpcloud.options';
export * from './jumpcloud.types';
export { type LimiterSnapshot } from './jumpcloud.limiter';
export {
  INSIGHTS_MAX_LIMIT,
  type InsightsEvent,
  type InsightsQuery,
  type InsightsService,
} from './jumpcloud.insights';
