import { errorOf } from "../support/graphql-client";
import { PASSWORD } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

/** An address where nothing listens: a dependency that is down. */
const CLOSED_PORT = "127.0.0.1:1";

describe("health", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("answers liveness and readiness with a check per dependency", async () => {
    const live = await fetch(`${server.url}/health/liveness`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${server.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { database: "up", redis: "up" },
    });
  });

  it("returns the request id it was given, or a new one", async () => {
    const given = await fetch(`${server.url}/health/liveness`, {
      headers: { "x-request-id": "trace-abc-123" },
    });
    expect(given.headers.get("x-request-id")).toBe("trace-abc-123");
    const made = await fetch(`${server.url}/health/liveness`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("when a dependency is down", () => {
  it("readiness is 503 naming the database, and requests answer a retryable SERVICE_UNAVAILABLE without internals", async () => {
    const server = await startTestServer({
      DATABASE_URL: `postgresql://postgres@${CLOSED_PORT}/nothing`,
    });
    try {
      const ready = await fetch(`${server.url}/health/readiness`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: "not ready",
        checks: { database: "down", redis: "up" },
        failed: ["database"],
      });

      const response = await server.client.request(op("Login"), {
        input: { email: "someone@example.com", password: PASSWORD },
      });
      const error = errorOf(response);
      expect(error).toEqual({
        message: "The service is unavailable for a moment; try again shortly.",
        code: "SERVICE_UNAVAILABLE",
        errorCode: "USER_1303",
        retryAfterSeconds: 5,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(JSON.stringify(response)).not.toMatch(/prisma|ECONNREFUSED|postgres|stack|at /i);
      // The real cause is in the log, once: the outage, not the request.
      const logged = server.logs.filter((line) => /^database unreachable/.test(String(line.msg)));
      expect(logged).toMatchObject([{ level: 40, dependency: "database", err: expect.anything() }]);
    } finally {
      await server.stop();
    }
  });

  it("readiness is 503 naming Redis", async () => {
    const server = await startTestServer({ REDIS_URL: `redis://${CLOSED_PORT}` });
    try {
      const ready = await fetch(`${server.url}/health/readiness`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: { database: "up", redis: "down" },
        failed: ["redis"],
      });
    } finally {
      await server.stop();
    }
  });
});
