/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (isolatedModules): fast, and with
 * decorator metadata emitted as tsc emits it for the build. `npm run typecheck` checks types.
 */

module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  setupFiles: ["<rootDir>/test/support/env.ts"],
  testTimeout: 30000,
  maxWorkers: 2,
};
