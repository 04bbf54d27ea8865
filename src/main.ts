import "reflect-metadata";
import { ConfigError, loadConfig, type Config } from "./config";
import { createContainer } from "./container";
import { EmbeddedDatabaseBusyError, startEmbeddedBackends } from "./infra/embedded";
import { createLogger } from "./infra/logger";
import { createGateway } from "./server/app";
import { startupBanner, startupFacts } from "./server/startup.banner";

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
  if (config.generatedJwtSecret) {
    logger.warn(
      config.jwt.algorithm === "HS256"
        ? "JWT_SECRET_KEY is not set: using a random secret; tokens end with this process"
        : `JWT_PRIVATE_KEY is not set: using a generated ${config.jwt.algorithm} key; tokens and the JWKS change with every start`,
    );
  }
  // Embedded PostgreSQL when DATABASE_URL is unset (development only); a no-op otherwise.
  const embedded = await startEmbeddedBackends(config, logger);
  const container = createContainer(config, logger);
  await container.hasher.warmUp();
  const gateway = await createGateway(container);
  const address = await gateway.listen(config.http.port, config.http.host);
  logger.info({ port: address.port, ...startupFacts(config, address.port) }, "identity gateway ready");
  if (!config.isProduction) process.stdout.write(startupBanner(config, address.port));
  await container.lifecycle.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await gateway.close();
    await container.lifecycle.stop();
    await container.close();
    await embedded.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  console.error(error instanceof EmbeddedDatabaseBusyError ? `embedded database: ${error.message}` : error);
  process.exit(1);
});
