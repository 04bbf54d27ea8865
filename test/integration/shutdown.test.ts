import { login, PASSWORD, registerUser } from "../support/factories";
import type { GraphQLResponse } from "../support/graphql-client";
import { scrape, sample } from "../support/metrics";
import { op } from "../support/operations";
import { spawnServer, type SpawnedServer } from "../support/gateway-process";
import { lockRow } from "../support/test-db";
import { startTestServer, type TestServer } from "../support/test-server";
import { TestWsClient } from "../support/ws-client";

// Real processes, real signals. The slow request is a login whose UPDATE of its user waits for a
// row lock this test holds: in flight for exactly as long as the test wants.
jest.setTimeout(60_000);

const spawned: SpawnedServer[] = [];
const locks: Array<() => Promise<void>> = [];
let inspector: TestServer;
beforeAll(async () => {
  inspector = await startTestServer();
});
afterAll(async () => {
  await Promise.all(locks.map((release) => release()));
  for (const server of spawned) server.kill();
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

/** A user, and a login of theirs on `server` that stays in flight until the returned release. */
async function loginHeldInFlight(server: SpawnedServer, requestId: string) {
  const { user } = await registerUser(inspector.client);
  const release = await lockRow("User", user.id);
  locks.push(release);
  const response: Promise<{ result?: GraphQLResponse; error?: Error }> = server.client
    .request(
      op("Login"),
      { input: { email: user.email, password: PASSWORD } },
      { headers: { "x-request-id": requestId } },
    )
    .then(
      (result) => ({ result }),
      (error: Error) => ({ error }),
    );
  await until(
    () => scrape(server.url),
    (metrics) => sample(metrics, "graphql_requests_in_flight") === 1,
    "the login to be in flight",
  );
  return { user, release, response };
}

/** A graphql-ws subscription to `server`'s sessionEvents, proven live by receiving an event. */
async function openSubscription(server: SpawnedServer) {
  const subscriber = await registerUser(server.client);
  const ws = new TestWsClient(`${server.url.replace(/^http/, "ws")}/graphql`, {
    authorization: `Bearer ${subscriber.accessToken}`,
  });
  await ws.waitConnected();
  const subscription = ws.subscribe("SessionEvents");
  await subscription.untilReceiving(async () => {
    await login(server.client, subscriber.user.email);
    return subscriber.user.id;
  });
  return { ws, subscription };
}

describe("graceful shutdown on SIGTERM", () => {
  it("turns readiness 503, finishes the request in flight, closes subscriptions with 1001, the listener and clients, exits 0", async () => {
    const server = await start({ SHUTDOWN_READINESS_DELAY_MS: "2000", SHUTDOWN_TIMEOUT_MS: "20000" });
    const { ws, subscription } = await openSubscription(server);
    const requestId = `inflight-${Date.now()}`;
    const { user, release, response } = await loginHeldInFlight(server, requestId);

    server.process.kill("SIGTERM");
    const readiness = await until(
      () => fetch(`${server.url}/health/readiness`),
      (answer) => answer.status === 503,
      "readiness to turn 503",
    );
    expect(await readiness.json()).toMatchObject({ status: "not ready", shuttingDown: true });

    await release();
    const { result } = await response;
    expect(result?.status).toBe(200);
    expect(result?.errors).toBeUndefined();
    expect(result!.data!.login.user.id).toBe(user.id);

    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.url}/health/liveness`)).rejects.toThrow();
    // The subscriber was told: a close frame with "going away", not a dropped connection.
    expect((await ws.waitClosed()).code).toBe(1001);
    await subscription.end();

    const lines = server.lines();
    expect(lines.filter((line) => line.msg === "shutdown step done").map((line) => line.step)).toEqual([
      "readiness",
      "http",
      "workers",
      "clients",
      "embedded",
      "tracing",
    ]);
    expect(lines.at(-1)).toMatchObject({ msg: "shutdown complete", outcome: "clean" });
    expect(lines.find((line) => line.msg === "request" && line.requestId === requestId)).toMatchObject({
      status: 200,
      outcome: "success",
    });

    // Its transaction committed before the database connection closed: the login and its event.
    const history = await inspector.container.db.loginHistory.findMany({
      where: { userId: user.id, success: true },
    });
    expect(history).toHaveLength(1);
    const events = await inspector.container.db.outboxEvent.findMany({
      where: { key: user.id, eventType: "user.logged_in" },
    });
    expect(events.map((event) => event.headers)).toEqual([
      expect.objectContaining({ "request-id": requestId }),
    ]);
  });

  it("exits after SHUTDOWN_TIMEOUT_MS even when a request and the database never finish", async () => {
    const server = await start({ SHUTDOWN_TIMEOUT_MS: "1000" });
    const requestId = `stuck-${Date.now()}`;
    const { response } = await loginHeldInFlight(server, requestId);

    server.process.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 1, signal: null });

    // The connection was closed under the request rather than answered…
    const { result, error } = await response;
    expect(result).toBeUndefined();
    expect(error?.message).toMatch(/fetch failed|terminated|socket/i);
    const lines = server.lines();
    expect(lines.find((line) => line.msg === "request" && line.requestId === requestId)).toMatchObject({
      outcome: "aborted",
      aborted: true,
    });
    // …and the process gave up on the step still waiting, at the deadline.
    expect(lines.at(-1)).toMatchObject({ msg: "shutdown deadline passed: exiting anyway", timeoutMs: 1000 });
  });
});
