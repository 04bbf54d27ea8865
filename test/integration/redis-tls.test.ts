import { loadConfig } from "../../src/config";
import { createRedis } from "../../src/infra/redis";
import { registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTlsRedis, type TlsRedis } from "../support/redis-engines";
import { startTestServer, testEnv } from "../support/test-server";

/** TLS and AUTH from configuration, against a server that speaks only TLS and wants a password. */
let redis: TlsRedis;
beforeAll(async () => {
  redis = await startTlsRedis();
}, 30_000);
afterAll(() => redis?.stop());

it("serves over a TLS connection verified against REDIS_TLS_CA_FILE, authenticated with REDIS_PASSWORD", async () => {
  const server = await startTestServer(redis.env);
  try {
    const session = await registerUser(server.client);
    const me = await server.client.request(op("Me"), {}, { token: session.accessToken });
    expect(me.data?.me.id).toBe(session.user.id);
  } finally {
    await server.stop();
  }
});

it("refuses a server whose certificate it cannot verify, and a wrong password", async () => {
  const attempt = async (env: Record<string, string>) => {
    const client = createRedis(loadConfig(testEnv({ ...redis.env, ...env })).redis, { name: "tls-test" });
    const errors: Error[] = [];
    client.on("error", (error: Error) => errors.push(error));
    try {
      await client.ping();
      return "connected";
    } catch (error) {
      return [String(error), ...errors.map(String)].join(" | ");
    } finally {
      client.disconnect();
    }
  };
  // No CA file: the system's CAs do not know the test CA.
  expect(await attempt({ REDIS_TLS_CA_FILE: "" })).toMatch(
    /self[- ]signed|unable to (get|verify)|certificate/i,
  );
  expect(await attempt({ REDIS_PASSWORD: "wrong" })).toMatch(/WRONGPASS|invalid username-password/i);
});
