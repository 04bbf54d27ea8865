import "reflect-metadata";
import { ConfigError, loadConfig, loadEnvFile, type Config } from "./config";
import { EmbeddedDatabaseBusyError, startEmbeddedBackends } from "./infra/embedded";
import { createLogger } from "./infra/logger";
import { startTracing } from "./observability/tracing";
import type { ShutdownStep } from "./server/shutdown";
import type { StartupRefusal } from "./infra/startup-checks";
import { startupBanner, startupFacts } from "./server/startup.banner";

function readConfig(): Config {
  try {
    // .env (or ENV_FILE) under the environment first: the environment wins.
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`config: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

/** Longest the start-up waits for sessions of an earlier Redis key layout to move. */
const KEY_LAYOUT_WAIT_MS = 30_000;

async function main() {
  const config = readConfig();
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  // Tracing first: its instrumentations patch http, ioredis and kafkajs when they are first
  // required, so everything that loads them is imported only below.
  const tracing = await startTracing(config.tracing);
  // Never "ready" on a database that cannot serve this release, nor without Redis. Checked before
  // the application is loaded, so a refusal comes within a second or two.
  const { ensureDatabase, ensureRedis, listenRefusal } = await import("./infra/startup-checks");
  // Embedded PostgreSQL when DATABASE_URL is unset (development only); a no-op otherwise.
  const embedded = await startEmbeddedBackends(config, logger);
  await ensureDatabase(config, logger);
  await ensureRedis(config);
  const { createContainer } = await import("./composition/container");
  const { createGateway } = await import("./server/app");
  const { exitOnSignals } = await import("./server/shutdown");

  if (config.generatedJwtSecret) {
    logger.warn(
      config.jwt.algorithm === "HS256"
        ? "JWT_SECRET_KEY is not set: using a random secret; tokens end with this process"
        : `JWT_PRIVATE_KEY is not set: using a generated ${config.jwt.algorithm} key; tokens and the JWKS change with every start`,
    );
  }
  if (config.isProduction && !config.metrics.token) {
    logger.warn("METRICS_TOKEN is not set: keep /metrics away from the internet at the proxy");
  }
  const container = createContainer(config, logger, tracing);
  await container.hasher.warmUp();
  const gateway = await createGateway(container);
  // Sessions stored in the key layout of an earlier release move before the first request, so
  // an upgrade signs nobody out (an in-process Redis starts empty: nothing to move).
  if (!config.embedded.redis) await container.keyLayout.runAtStartup(KEY_LAYOUT_WAIT_MS);

  // In this order, within SHUTDOWN_TIMEOUT_MS; then the process exits anyway.
  const steps: ShutdownStep[] = [
    {
      name: "readiness",
      // 503 at once; with a delay, load balancers notice before the listener closes.
      run: async () => {
        gateway.beginShutdown();
        await new Promise((resolve) => setTimeout(resolve, config.shutdown.readinessDelayMs));
      },
    },
    // Stops accepting, sends WebSocket clients a close frame (1001), lets HTTP requests finish.
    { name: "http", run: () => gateway.close() },
    // Background work: the outbox relay finishes the batch in hand, handed-off work completes.
    { name: "workers", run: () => container.lifecycle.stop() },
    { name: "clients", run: () => container.close() },
    { name: "embedded", run: () => embedded.close() },
    { name: "tracing", run: () => tracing.shutdown() },
  ];
  exitOnSignals(steps, { timeoutMs: config.shutdown.timeoutMs, logger });

  const address = await gateway.listen(config.http.port, config.http.host).catch((error) => {
    throw listenRefusal(error, config.http.port, config.http.host);
  });
  logger.info({ port: address.port, ...startupFacts(config, address.port) }, "identity gateway ready");
  if (!config.isProduction) {
    // The first-admin hint is for a fresh install only.
    const admins = await container.repositories.userAdmin.countActiveAdmins(container.db);
    process.stdout.write(startupBanner(config, address.port, { adminExists: admins > 0 }));
  }
  await container.lifecycle.start();
}

main().catch((error) => {
  if (error instanceof EmbeddedDatabaseBusyError) console.error(`embedded database: ${error.message}`);
  else if (error instanceof Error && error.name === "StartupRefusal")
    console.error((error as StartupRefusal).line);
  else console.error(error);
  process.exit(1);
});
