import { randomInt } from "node:crypto";
import { waitFor } from "./kafka-consumer";
import type { TestServer } from "./test-server";

/**
 * Limits on, with budgets small enough to exhaust in a test. Every test server starts with them
 * off (testEnv); a test of the limits switches them on here. Clients are told apart by
 * X-Forwarded-For (TRUST_PROXY), so each test uses addresses of its own.
 */
export function rateLimitEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    RATE_LIMIT_ENABLED: "true",
    TRUST_PROXY: "true",
    ...overrides,
  };
}

/** A fresh client address (TEST-NET and private ranges, random enough not to collide). */
export function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export function fromIp(ip: string): { headers: Record<string, string> } {
  return { headers: { "x-forwarded-for": ip } };
}

/**
 * Waits for the server's first Redis connection: after it, a lost connection makes the limits
 * refuse at once (before it, commands wait in ioredis's offline queue).
 */
export function redisReady(server: TestServer): Promise<void> {
  return waitFor(() => server.container.redis.status === "ready", 10_000, "Redis to connect");
}
