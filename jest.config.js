// Unit specs live beside the code (src/**/*.spec.ts); integration and e2e specs in test/.
// Type checking is `npm run check`; here ts-jest only transpiles, which keeps test start-up fast.
// Run through `npm test` (scripts/test.js): it starts Node with --experimental-vm-modules, without which
// jest cannot require() the ES-module-only NestJS 12 packages (README, "Versions, and why").
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };

module.exports = {
  testEnvironment: 'node',
  // Integration tests boot the app, the emulator and child processes; unit tests are far below this.
  testTimeout: 60000,
  moduleFileExtensions: ['ts', 'js', 'json'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
    {
      // The web app in Debian's Chromium against the real server, workers and emulator (web/e2e).
      displayName: 'browser',
      testEnvironment: 'node',
      transform,
      rootDir: __dirname,
      testMatch: ['<rootDir>/web/e2e/**/*.spec.ts'],
      globalSetup: '<rootDir>/web/e2e/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
