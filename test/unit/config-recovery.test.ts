// The variables of account recovery, rate limits and the business registry, as an operator writes them.
import { ConfigError, loadConfig } from "../../src/config";

const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x" };

it("has the documented defaults (development relaxes the rate limits: config-values.test.ts)", () => {
  const config = loadConfig({ ...base, NODE_ENV: "test" });
  expect(config.recovery).toEqual({
    frontendUrl: "http://localhost:3000",
    linkSecret: expect.stringMatching(/^[\w-]{64}$/),
    verificationTtlSeconds: 24 * 3600,
    resetTtlSeconds: 3600,
    requireVerifiedEmail: false,
    logLinks: false, // development only
  });
  expect(config.rateLimits).toEqual({
    enabled: true,
    limits: {
      loginPerIp: { points: 5, durationSeconds: 60 },
      loginFailuresPerAccount: { points: 10, durationSeconds: 3600 },
      registerPerIp: { points: 3, durationSeconds: 3600 },
      passwordResetPerEmail: { points: 3, durationSeconds: 3600 },
      passwordResetPerIp: { points: 10, durationSeconds: 3600 },
      verificationPerEmail: { points: 3, durationSeconds: 3600 },
      verificationPerIp: { points: 10, durationSeconds: 3600 },
      tokenPerIp: { points: 20, durationSeconds: 3600 },
      refreshPerSession: { points: 60, durationSeconds: 3600 },
    },
  });
  expect(config.businessRegistry).toBeUndefined();
});

it("reads limits written points/duration, and refuses anything else", () => {
  const login = (value: string) =>
    loadConfig({ ...base, RATE_LIMIT_LOGIN_PER_IP: value }).rateLimits.limits.loginPerIp;
  expect(login("100/30s")).toEqual({ points: 100, durationSeconds: 30 });
  expect(login(" 7 / 15m ")).toEqual({ points: 7, durationSeconds: 900 });
  expect(login("1000/1d")).toEqual({ points: 1000, durationSeconds: 86400 });
  for (const bad of ["5", "5/60", "0/1m", "5/0m", "five/1m", "5/1w"]) {
    expect(() => loadConfig({ ...base, RATE_LIMIT_LOGIN_PER_IP: bad })).toThrow(ConfigError);
  }
  expect(loadConfig({ ...base, RATE_LIMIT_ENABLED: "false" }).rateLimits.enabled).toBe(false);
});

it("requires ONE_TIME_LINK_SECRET in production, of at least 32 bytes", () => {
  const production = {
    ...base,
    NODE_ENV: "production",
    JWT_SECRET_KEY: "x".repeat(32),
    REDIS_URL: "redis://127.0.0.1:6379",
  };
  expect(() => loadConfig(production)).toThrow(/ONE_TIME_LINK_SECRET: required in production/);
  expect(() => loadConfig({ ...production, ONE_TIME_LINK_SECRET: "short" })).toThrow(/at least 32 bytes/);
  expect(loadConfig({ ...production, ONE_TIME_LINK_SECRET: "y".repeat(32) }).recovery.linkSecret).toBe(
    "y".repeat(32),
  );
});

it("logs links in development only", () => {
  const logLinks = (NODE_ENV: string) =>
    loadConfig({
      ...base,
      NODE_ENV,
      JWT_SECRET_KEY: "x".repeat(32),
      ONE_TIME_LINK_SECRET: "y".repeat(32),
      REDIS_URL: "redis://127.0.0.1:6379",
    }).recovery.logLinks;
  expect(logLinks("development")).toBe(true);
  expect(logLinks("test")).toBe(false);
  expect(logLinks("production")).toBe(false);
});

it("turns the registry check on with a URL, and checks the URL", () => {
  const config = loadConfig({
    ...base,
    BUSINESS_REGISTRY_URL: "https://api.odcloud.kr/api/nts-businessman/v1/status",
    BUSINESS_REGISTRY_API_KEY: "key",
  });
  expect(config.businessRegistry).toEqual({
    url: "https://api.odcloud.kr/api/nts-businessman/v1/status",
    apiKey: "key",
    timeoutMs: 3000,
    breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 30_000 },
  });
  expect(loadConfig({ ...base, BUSINESS_REGISTRY_URL: " " }).businessRegistry).toBeUndefined();
  expect(() => loadConfig({ ...base, BUSINESS_REGISTRY_URL: "not a url" })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, FRONTEND_URL: "app.example.com" })).toThrow(ConfigError);
});
