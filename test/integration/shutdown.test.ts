import { PASSWORD, uniqueEmail } from "../support/factories";
import { scrape, sample } from "../support/metrics";
import { op } from "../support/operations";
import { spawnServer, type SpawnedServer } from "../support/spawn-server";
import { startTestServer, type TestServer } from "../support/test-server";

// Real processes, real signals. A registration at bcrypt cost 14/15 is the slow request: it is
// in flight for the better part of a second or more.
jest.setTimeout(90_000);

const spawned: SpawnedServer[] = [];
let inspector: TestServer;
beforeAll(async () => {
  inspector = await startTestServer();
});
afterAll(async () => {
  spawned.forEach((server) => server.kill());
  await inspector.stop();
});

async function start(env: Record<string, string>) {
  const server = await spawnServer(env);
  spawned.push(server);
  return server;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const register = (server: SpawnedServer, email: string, requestId: string) =>
  server.client.request(
    op("Register"),
    { input: { email, password: PASSWORD, name: "Rolling Update" } },
    { headers: { "x-request-id": requestId } },
  );

describe("graceful shutdown on SIGTERM", () => {
  it("turns readiness 503, finishes the request in flight, closes the listener and clients, exits 0", async () => {
    const server = await start({
      BCRYPT_ROUNDS: "14",
      SHUTDOWN_READINESS_DELAY_MS: "1500",
      SHUTDOWN_TIMEOUT_MS: "30000",
    });
    const email = uniqueEmail("inflight");
    const requestId = `inflight-${Date.now()}`;
    const inFlight = register(server, email, requestId);
    await until(
      () => scrape(server.url),
      (metrics) => sample(metrics, "graphql_requests_in_flight") === 1,
      "the registration to be in flight",
    );

    server.process.kill("SIGTERM");
    const readiness = await until(
      () => fetch(`${server.url}/health/readiness`),
      (response) => response.status === 503,
      "readiness to turn 503",
    );
    expect(await readiness.json()).toMatchObject({ status: "not ready", shuttingDown: true });

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.register.user.email).toBe(email);

    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.url}/health/liveness`)).rejects.toThrow();

    // The request was still running when the signal came, and every step ran in order.
    const lines = server.lines();
    const signalled = lines.findIndex((line) => line.msg === "shutting down");
    const served = lines.findIndex((line) => line.msg === "request" && line.requestId === requestId);
    expect(signalled).toBeGreaterThanOrEqual(0);
    expect(served).toBeGreaterThan(signalled);
    expect(lines.filter((line) => line.msg === "shutdown step done").map((line) => line.step)).toEqual([
      "readiness",
      "http",
      "clients",
      "tracing",
    ]);
    expect(lines.at(-1)).toMatchObject({ msg: "shutdown complete", outcome: "clean" });

    // Its transaction committed before the database connection closed: the account and its event.
    const user = await inspector.container.db.user.findUnique({ where: { email } });
    const events = await inspector.container.db.outboxEvent.findMany({ where: { key: user!.id } });
    expect(events.map((event) => event.eventType)).toContain("user.created");
    expect(events[0]!.headers).toMatchObject({ "request-id": requestId });
  });

  it("exits within SHUTDOWN_TIMEOUT_MS even when a request would take longer", async () => {
    const server = await start({ BCRYPT_ROUNDS: "15", SHUTDOWN_TIMEOUT_MS: "400" });
    const inFlight = register(server, uniqueEmail("cut"), `cut-${Date.now()}`).then(
      (response) => ({ response }),
      (error: Error) => ({ error }),
    );
    await until(
      () => scrape(server.url),
      (metrics) => sample(metrics, "graphql_requests_in_flight") === 1,
      "the registration to be in flight",
    );
    server.process.kill("SIGTERM");

    const exit = await server.exited;
    expect(exit.signal).toBeNull();
    // The connection was closed under the request rather than answered.
    const result = await inFlight;
    expect(result).not.toHaveProperty("response");
    expect((result as { error: Error }).error.message).toMatch(/fetch failed|terminated|socket/i);
    const served = server.lines().find((line) => line.msg === "request" && line.operation === "Register");
    expect(served).toMatchObject({ outcome: "aborted", aborted: true });
    expect(served!.status).toBeUndefined();
  });
});
