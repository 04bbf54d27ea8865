import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "./config";
import { createLogger } from "./infra/logger";
import { startTracing } from "./observability/tracing";
import type { ShutdownStep } from "./server/shutdown";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`config: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main() {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  // Tracing first: its instrumentations patch http, ioredis and kafkajs when they are first
  // required, so everything that loads them is imported only below.
  const tracing = await startTracing(config.tracing);
  const { createContainer } = await import("./container");
  const { createGateway } = await import("./server/app");
  const { exitOnSignals } = await import("./server/shutdown");

  if (config.generatedJwtSecret) {
    logger.warn("JWT_SECRET_KEY is not set: using a random secret; tokens end with this process");
  }
  if (config.isProduction && !config.metrics.token) {
    logger.warn("METRICS_TOKEN is not set: keep /metrics away from the internet at the proxy");
  }
  const container = createContainer(config, logger, tracing);
  await container.hasher.warmUp();
  const gateway = await createGateway(container);

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
    // WebSocket clients (close frame) belong here, before "http": Apollo's drain ends upgraded
    // sockets without one.
    { name: "http", run: () => gateway.close() },
    // Background workers (the outbox relay finishing its batch) belong here.
    { name: "clients", run: () => container.close() },
    { name: "tracing", run: () => tracing.shutdown() },
  ];
  exitOnSignals(steps, { timeoutMs: config.shutdown.timeoutMs, logger });

  const address = await gateway.listen(config.http.port, config.http.host);
  logger.info(
    { port: address.port },
    `identity gateway listening on http://localhost:${address.port}/graphql`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
