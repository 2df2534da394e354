export { startEmulator, buildEmulatorApp, type RunningEmulator, type StartEmulatorOptions } from './server';
export {
  JumpCloudEmulator,
  PERMISSIONS,
  type EmulatorCredentials,
  type EmulatorSettings,
  type FaultSpec,
  type Permission,
  type RequestLogEntry,
} from './emulator';
export { DEFAULT_SIZES, generateOrganization, type SeedSizes } from './seed';
