// What the gateway verifies before it says "ready": the database serves this release (applying
// the migrations first when MIGRATE_ON_START asks for it), Redis answers, the port is free. Each
// failure is one StartupRefusal: main.ts prints it as one line and exits 1, no stack trace.
import type { Config } from "../config";
import { describeRedis } from "../config/redis";
import { checkDatabase, connectionProblem, DatabaseProblem, shippedMigrations } from "../db/database-check";
import { applyMigrations } from "../db/migrate";
import type { Logger } from "../infra/logger";
import { closeRedis, createRedis, type RedisClient } from "../infra/redis";

/** A reason not to start, phrased for the operator: what is wrong and how to fix it. */
export class StartupRefusal extends Error {
  constructor(
    readonly subject: "database" | "redis" | "port",
    message: string,
  ) {
    super(message);
    this.name = "StartupRefusal";
  }

  /** The one line printed before exiting. */
  get line(): string {
    return `${this.subject}: ${this.message}`;
  }
}

/** Longest the start-up waits for Redis to answer a PING. */
const REDIS_WAIT_MS = 5000;

/**
 * The database answers, exists, accepts our credentials and has every shipped migration applied;
 * with MIGRATE_ON_START the missing ones are applied first.
 */
export async function ensureDatabase(config: Config, logger: Logger): Promise<void> {
  // The embedded database was started and migrated by this very process a moment ago.
  if (config.embedded.database) return;
  const url = config.databaseUrl;
  const shipped = shippedMigrations();
  try {
    try {
      await checkDatabase(url, shipped);
      return;
    } catch (error) {
      const pending = error instanceof DatabaseProblem && error.kind === "migrations";
      if (!pending || !config.migrateOnStart) throw error;
    }
    const { applied } = await applyMigrations(url, {
      log: (message) => logger.info({ component: "migrations" }, message),
    }).catch((error: Error) => {
      if ("code" in error || !/migration/.test(error.message)) throw connectionProblem(error, url);
      throw new DatabaseProblem("failed-migration", error.message);
    });
    logger.info({ applied }, "MIGRATE_ON_START: migrations applied");
    await checkDatabase(url, shipped);
  } catch (error) {
    if (error instanceof DatabaseProblem) throw new StartupRefusal("database", error.message);
    throw error;
  }
}

/** Redis answers a PING within a few seconds (any topology), on a connection of its own. */
export async function ensureRedis(config: Config): Promise<void> {
  if (config.embedded.redis) return;
  const redis = createRedis(config.redis, { name: "identity-gateway-startup-check" });
  // Its connection errors are the answer (read below), never an "unhandled error event".
  redis.on("error", () => undefined);
  try {
    await ping(config, redis);
  } finally {
    await closeRedis(redis).catch(() => undefined);
  }
}

async function ping(config: Config, redis: RedisClient): Promise<void> {
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  redis.on("error", onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_WAIT_MS} ms`)), REDIS_WAIT_MS);
      }),
    ]);
  } catch (error) {
    const cause = lastError ?? error;
    const code = (cause as { code?: string }).code;
    const reason = code ?? (cause instanceof Error ? cause.message : String(cause));
    const variable = config.redis.topology.kind === "single" ? "REDIS_URL" : "REDIS_NODES";
    throw new StartupRefusal(
      "redis",
      `cannot reach Redis (${describeRedis(config.redis)}): ${reason}; start it, or fix ${variable} (and REDIS_PASSWORD if it needs one)`,
    );
  } finally {
    clearTimeout(timer);
    redis.off("error", onError);
  }
}

/** A listen error as a refusal when it is about the address; anything else is rethrown. */
export function listenRefusal(error: unknown, port: number, host: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === "EADDRINUSE") {
    return new StartupRefusal(
      "port",
      `port ${port} on ${host} is already in use by another process: stop it, or set PORT to a free port`,
    );
  }
  if (code === "EACCES") {
    return new StartupRefusal(
      "port",
      `no permission to listen on port ${port} on ${host}: set PORT to 1024 or above`,
    );
  }
  if (code === "EADDRNOTAVAIL") {
    return new StartupRefusal("port", `${host} is not an address of this machine: fix HOST`);
  }
  return error;
}
