// Postgres or Redis lost while the gateway runs (each behind a TCP proxy that cuts every
// connection and refuses new ones): a request that needs it answers SERVICE_UNAVAILABLE, HTTP 503
// with Retry-After, never as if signed in (nor signed out); a WebSocket that cannot be
// authenticated closes with 1013 "try again later". The log gets one warning when the dependency
// is lost and one info line when it is back, not a stack trace per request.
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { login, PASSWORD, registerUser, type Session } from "../support/factories";
import { op } from "../support/operations";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { startTestServer, type TestServer } from "../support/test-server";
import { closeAllWs, connectWs, pollUntil } from "../support/ws-client";

let redisProxy: TcpProxy;
let databaseProxy: TcpProxy;
let server: TestServer;
let session: Session;

const hostPort = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === "redis:" ? 6379 : 5432)) };
};

beforeAll(async () => {
  redisProxy = await startTcpProxy(hostPort(process.env.TEST_REDIS_URL!));
  databaseProxy = await startTcpProxy(hostPort(process.env.TEST_DATABASE_URL!));
  const databaseUrl = new URL(process.env.TEST_DATABASE_URL!);
  databaseUrl.host = `127.0.0.1:${databaseProxy.port}`;
  const redisUrl = new URL(process.env.TEST_REDIS_URL!);
  redisUrl.host = `127.0.0.1:${redisProxy.port}`;
  server = await startTestServer({
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redisUrl.toString(),
    LOG_LEVEL: "info",
  });
  session = await registerUser(server.client);
});
afterEach(closeAllWs);
afterAll(async () => {
  await server?.stop();
  await redisProxy?.close();
  await databaseProxy?.close();
});

/** Warnings and errors in `lines` other than the outage's own and the access log's. */
const troubles = (lines: Array<Record<string, unknown>>, outage: RegExp) =>
  lines.filter(
    (line) => Number(line.level) >= 40 && !outage.test(String(line.msg)) && line.msg !== "request",
  );

const linesOf = (pattern: RegExp) => server.logs.filter((line) => pattern.test(String(line.msg)));

async function expectUnavailable(response: GraphQLResponse<{ me?: unknown }>) {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(errorOf(response)).toMatchObject({
    code: "SERVICE_UNAVAILABLE",
    errorCode: "USER_1303",
    retryAfterSeconds: 5,
  });
  expect(response.data?.me ?? null).toBeNull();
}

it("Redis lost: 503 SERVICE_UNAVAILABLE with Retry-After, 1013 on WebSocket, one warning, one line when back", async () => {
  const before = server.logs.length;
  await redisProxy.cut();
  try {
    // Signed-in requests (the session is in Redis) and sign-ins (they write one) alike.
    for (let i = 0; i < 3; i++) {
      await expectUnavailable(await server.client.request(op("Me"), {}, { token: session.accessToken }));
    }
    await expectUnavailable(
      await server.client.request(op("Login"), { input: { email: session.user.email, password: PASSWORD } }),
    );
    const ws = connectWs(server, session.accessToken);
    expect(await ws.waitClosed()).toMatchObject({ code: 1013, reason: "Try again later" });
  } finally {
    await redisProxy.restore();
  }
  await pollUntil(
    async () => !(await server.client.request(op("Me"), {}, { token: session.accessToken })).errors,
    "me to answer again",
  );
  await pollUntil(async () => linesOf(/^redis reachable again/).length > 0, "the recovery line");

  const during = server.logs.slice(before);
  expect(during.filter((line) => /^redis unreachable/.test(String(line.msg)))).toHaveLength(1);
  expect(during.filter((line) => /^redis reachable again/.test(String(line.msg)))).toHaveLength(1);
  // Nothing else above info but the access log's line per request: no error, no stack trace
  // per request or per reconnect attempt.
  expect(troubles(during, /^redis unreachable/)).toEqual([]);
});

it("the database lost: 503 SERVICE_UNAVAILABLE with Retry-After, readiness 503, one warning, one line when back", async () => {
  const before = server.logs.length;
  await databaseProxy.cut();
  try {
    for (let i = 0; i < 5; i++) {
      await expectUnavailable(
        await server.client.request(op("Login"), {
          input: { email: session.user.email, password: PASSWORD },
        }),
      );
    }
    const ready = await fetch(`${server.url}/health/readiness`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { database: "down", redis: "up" } });
  } finally {
    await databaseProxy.restore();
  }
  await pollUntil(async () => linesOf(/^database reachable again/).length > 0, "the recovery line");
  expect((await login(server.client, session.user.email)).accessToken).toEqual(expect.any(String));

  const during = server.logs.slice(before);
  expect(during.filter((line) => /^database unreachable/.test(String(line.msg)))).toHaveLength(1);
  expect(during.filter((line) => /^database reachable again/.test(String(line.msg)))).toHaveLength(1);
  expect(troubles(during, /^database unreachable/)).toEqual([]);
});
