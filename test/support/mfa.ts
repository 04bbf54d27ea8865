import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { createLogger, type Logger } from "../../src/infra/logger";
import { createDatabase, type Database } from "../../src/infra/prisma";
import { createRedis } from "../../src/infra/redis";
import { parseSecretKeys, type SecretKey } from "../../src/mfa/secret-key-ring";
import { uniqueEmail } from "./factories";

/**
 * What the multi-factor modules' tests build them from: the run's Postgres database and Redis
 * (or the in-process Redis under TEST_REDIS=in-process, as the test server does), keys made for
 * the test, a logger whose lines the test can read, and users inserted as rows (these tests are
 * about the modules; the flows over the wire come when the modules are wired into the API).
 */
export interface MfaHarness {
  db: Database;
  redis: Redis;
  logger: Logger;
  logs(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export function createMfaHarness(): MfaHarness {
  const db = createDatabase(process.env.TEST_DATABASE_URL!);
  const inProcess = process.env.TEST_REDIS === "in-process";
  const redis = createRedis(inProcess ? undefined : process.env.TEST_REDIS_URL, inProcess ? "" : process.env.TEST_REDIS_PREFIX!, "mfa-test");
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    db,
    redis,
    logger: createLogger("debug", sink),
    logs: () => chunks.join("").split("\n").filter(Boolean).map((line) => JSON.parse(line)),
    async close() {
      await db.$disconnect();
      if (!inProcess) await redis.quit();
    },
  };
}

/** A key ring of fresh random keys, named by `ids`, the first current. */
export function testKeys(...ids: string[]): SecretKey[] {
  return parseSecretKeys(ids.map((id) => `${id}:${randomBytes(32).toString("base64")}`).join(","));
}

/** A user row (as registration leaves it), for tests of modules that hang off a user. */
export async function insertUser(db: Database, role: "USER" | "MODERATOR" | "ADMIN" = "USER") {
  return db.user.create({
    data: { email: uniqueEmail("mfa"), name: "MFA Test", passwordHash: "$2b$04$unusedunusedunusedunuseduOj2m2bL2cC6rI5r4U4qH1z2lYw3xqK", role },
    select: { id: true, email: true, role: true },
  });
}
