import { accessTokenExpiringIn, updateUser } from "../support/accounts";
import { registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, listeners, untilListening } from "../support/ws-client";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(closeAllWs);
afterAll(async () => {
  await server.stop();
});

describe("connection_init", () => {
  it("closes the socket with 4403 when no token is sent", async () => {
    const ws = connectWs(server);
    expect(await ws.waitClosed()).toMatchObject({ code: 4403 });
    expect(ws.connected).toBe(false);
  });

  it("closes the socket with 4403 for a malformed or forged token", async () => {
    const session = await registerUser(server.client);
    const [header, payload] = session.accessToken.split(".");
    const forged = `${header}.${payload}.${"A".repeat(43)}`;
    for (const authorization of ["Bearer not-a-jwt", `Bearer ${forged}`, session.accessToken]) {
      const ws = connectWs(server, undefined, { authorization });
      expect(await ws.waitClosed()).toMatchObject({ code: 4403 });
    }
  });

  it("closes the socket with 4403 for an expired token", async () => {
    const session = await registerUser(server.client);
    const ws = connectWs(server, accessTokenExpiringIn(server, session.accessToken, -5));
    expect(await ws.waitClosed()).toMatchObject({ code: 4403 });
  });

  it("closes the socket with 4403 once the session has ended (logout)", async () => {
    const session = await registerUser(server.client);
    await server.client.request(op("Logout"), {}, { token: session.accessToken });
    expect(await connectWs(server, session.accessToken).waitClosed()).toMatchObject({ code: 4403 });
  });

  it("closes the socket with 4403 for a disabled account", async () => {
    const session = await registerUser(server.client);
    await updateUser(server, session.user.id, { isActive: false });
    expect(await connectWs(server, session.accessToken).waitClosed()).toMatchObject({ code: 4403 });
  });

  it("accepts a valid access token", async () => {
    const session = await registerUser(server.client);
    const ws = connectWs(server, session.accessToken);
    await ws.waitConnected();
    expect(ws.closeInfo).toBeUndefined();
    expect(server.logs.some((line) => line.msg === "websocket connection accepted")).toBe(true);
    expect(server.rawLogs()).not.toContain(session.accessToken);
  });
});

describe("operations over the socket", () => {
  it("answers queries and mutations with an error: they belong on HTTP", async () => {
    const session = await registerUser(server.client);
    const ws = connectWs(server, session.accessToken);
    const query = ws.subscribe("Me");
    await query.end();
    expect(query.results).toEqual([
      expect.objectContaining({ errors: [expect.objectContaining({ extensions: { code: "BAD_REQUEST" } })] }),
    ]);
  });

  it("refuses userSessionEvents to a USER before it starts listening", async () => {
    const session = await registerUser(server.client);
    const other = await registerUser(server.client);
    const ws = connectWs(server, session.accessToken);
    for (const userId of [other.user.id, session.user.id, null]) {
      const subscription = ws.subscribe("UserSessionEvents", { userId });
      await subscription.end();
      expect(subscription.results).toEqual([
        { errors: [expect.objectContaining({ extensions: { code: "FORBIDDEN" } })] },
      ]);
    }
    expect(await listeners(server, channels(server).sessionEvents(other.user.id))).toBe(0);
    expect(ws.closeInfo).toBeUndefined();
  });

  it("lets a signed-in user subscribe to their own events", async () => {
    const session = await registerUser(server.client);
    const ws = connectWs(server, session.accessToken);
    ws.subscribe("SessionEvents");
    await untilListening(server, channels(server).sessionEvents(session.user.id));
  });
});

describe("shutdown", () => {
  it("closes open sockets with 1001 (going away), so clients reconnect to another process", async () => {
    const leaving = await startTestServer();
    const session = await registerUser(leaving.client);
    const ws = connectWs(leaving, session.accessToken);
    await ws.waitConnected();
    await leaving.stop();
    expect(await ws.waitClosed()).toMatchObject({ code: 1001 });
  });
});
