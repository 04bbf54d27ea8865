import { Writable } from "node:stream";
import { loadConfig } from "../../src/config";
import { createContainer, type Container } from "../../src/composition/container";
import { createLogger } from "../../src/infra/logger";
import { createGateway } from "../../src/server/app";
import { GraphQLClient } from "./graphql-client";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long!";
export const TEST_LINK_SECRET = "test-link-secret-that-is-at-least-32-bytes!";

/**
 * The environment every test server starts from; a test overrides what it is about.
 * `TEST_REDIS=in-process` runs the suite on the embedded mode's in-process Redis instead (except
 * production configurations, which refuse it).
 */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inProcessRedis = process.env.TEST_REDIS === "in-process" && overrides.NODE_ENV !== "production";
  return {
    NODE_ENV: "test",
    // A developer's .env never reaches a test.
    ENV_FILE: "none",
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    REDIS_URL: inProcessRedis ? undefined : process.env.TEST_REDIS_URL,
    REDIS_KEY_PREFIX: process.env.TEST_REDIS_PREFIX,
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    ONE_TIME_LINK_SECRET: TEST_LINK_SECRET,
    BCRYPT_ROUNDS: "4",
    LOG_LEVEL: "debug",
    // Every test logs in and registers from 127.0.0.1 many times; the rate-limit tests switch
    // the limits on (rateLimitEnv in test/support/rate-limits.ts) with small budgets of their own.
    RATE_LIMIT_ENABLED: "false",
    ...overrides,
  };
}

export interface TestServer {
  url: string;
  graphqlUrl: string;
  client: GraphQLClient;
  container: Container;
  /** Every log line the server wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** The raw log output, for asserting that nothing secret was written. */
  rawLogs(): string;
  stop(): Promise<void>;
}

/** Starts the real gateway in this process on a free port, against the test Postgres and Redis. */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig(testEnv(overrides));
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const container = createContainer(config, logger);
  const gateway = await createGateway(container);
  const { port } = await gateway.listen(0, "127.0.0.1");
  await container.lifecycle.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    client: new GraphQLClient(`${url}/graphql`),
    container,
    get logs() {
      return chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    },
    rawLogs: () => chunks.join(""),
    async stop() {
      await gateway.close();
      await container.lifecycle.stop();
      await container.close();
    },
  };
}

/**
 * For a test file that starts servers with settings of their own: `start(overrides)` starts one,
 * and every server it started is stopped after the file (an afterAll registered here).
 */
export function testServers(): {
  start(overrides?: Record<string, string>): Promise<TestServer>;
  started: TestServer[];
} {
  const started: TestServer[] = [];
  afterAll(() => Promise.all(started.map((s) => s.stop())));
  return {
    started,
    async start(overrides = {}) {
      const server = await startTestServer(overrides);
      started.push(server);
      return server;
    },
  };
}
