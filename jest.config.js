/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (isolatedModules): fast, and with
 * decorator metadata emitted as tsc emits it for the build. `npm run typecheck` checks types.
 *
 * Packages published only as ES modules (p-limit and its yocto-queue, jose) load natively in
 * Node 24 (`require(esm)`), but Jest's module system does so only under
 * `--experimental-vm-modules`: they are compiled to CommonJS for the tests instead. A new
 * ESM-only dependency fails with "Must use import to load ES Module": add it to ESM_ONLY.
 */
const ESM_ONLY = ["p-limit", "yocto-queue", "jose"];

module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }],
    "^.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`],
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  setupFiles: ["<rootDir>/test/support/env.ts"],
  testTimeout: 30000,
  maxWorkers: 2,
};
