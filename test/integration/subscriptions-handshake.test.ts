import { SubscriptionClient } from "subscriptions-transport-ws";
import WebSocket from "ws";
import { accessTokenExpiringIn } from "../support/accounts";
import { login, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, receivesNextSignIn, untilListening } from "../support/ws-client";

/**
 * The WebSocket handshake as clients and routers really make it: the official graphql-ws client
 * with the token in the upgrade request's Authorization header (as Hive Gateway and Hive Router
 * forward it) or in `connection_init`, and the legacy subscriptions-transport-ws client, which
 * must learn why it is refused.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(closeAllWs);
afterAll(() => server.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("a token in the upgrade request's Authorization header", () => {
  it("is accepted with an empty connection_init, and the subscription delivers", async () => {
    const alice = await registerUser(server.client);
    const ws = connectWs(server, undefined, undefined, bearer(alice.accessToken));
    await ws.waitConnected();
    expect(await receivesNextSignIn(ws, server, alice.user)).toMatchObject({ userId: alice.user.id });
  });

  it("gets the same verification: expired, forged and ended sessions close with 4403", async () => {
    const alice = await registerUser(server.client);
    const expired = accessTokenExpiringIn(server, alice.accessToken, -5);
    const forged = `${alice.accessToken.slice(0, -4)}AAAA`;
    for (const token of [expired, forged, "not-a-jwt"]) {
      const ws = connectWs(server, undefined, undefined, bearer(token));
      expect(await ws.waitClosed()).toMatchObject({ code: 4403 });
    }
    await server.client.request(op("Logout"), {}, { token: alice.accessToken });
    const ended = connectWs(server, undefined, undefined, bearer(alice.accessToken));
    expect(await ended.waitClosed()).toMatchObject({ code: 4403 });
  });

  it("is watched like any other: the connection closes when its session ends", async () => {
    const alice = await registerUser(server.client);
    const ws = connectWs(server, undefined, undefined, bearer(alice.accessToken));
    await ws.waitConnected();
    await server.client.request(op("Logout"), {}, { token: alice.accessToken });
    expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
  });
});

describe("when connection_init and the upgrade header both carry a token", () => {
  it("the payload wins: a bad payload token is refused although the header's is good", async () => {
    const alice = await registerUser(server.client);
    const ws = connectWs(server, undefined, { authorization: "Bearer not-a-jwt" }, bearer(alice.accessToken));
    expect(await ws.waitClosed()).toMatchObject({ code: 4403 });
  });

  it("the payload wins: the connection is the payload's user, not the header's", async () => {
    const [alice, bob] = await Promise.all([registerUser(server.client), registerUser(server.client)]);
    const ws = connectWs(server, alice.accessToken, undefined, bearer(bob.accessToken));
    await ws.waitConnected();
    const events = ws.subscribe("SessionEvents");
    await untilListening(server, channels(server).sessionEvents(alice.user.id));
    // Bob's sign-in is not for this connection; Alice's is.
    await login(server.client, bob.user.email);
    await login(server.client, alice.user.email);
    const [event] = await events.next(1);
    expect(event).toMatchObject({ type: "SESSION_CREATED", userId: alice.user.id });
    expect(events.events.every((e) => e.userId === alice.user.id)).toBe(true);
  });
});

describe("connection_init { token } (the payload the Apollo Router builds from the propagated header)", () => {
  it("is accepted like { authorization }", async () => {
    const alice = await registerUser(server.client);
    const ws = connectWs(server, undefined, { token: `Bearer ${alice.accessToken}` });
    await ws.waitConnected();
  });
});

describe("clients of another protocol", () => {
  const wsUrl = () => server.graphqlUrl.replace(/^http/, "ws");
  // graphql-ws prints a hint for developers (outside production) when it sees the socket of a
  // legacy client close; it is not ours to test.
  let warn: jest.SpyInstance;
  beforeAll(() => {
    warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterAll(() => warn.mockRestore());

  it("refuses subscriptions-transport-ws with a close reason naming the supported protocol", async () => {
    const alice = await registerUser(server.client);
    const closes: Array<{ code: number; reason: string }> = [];
    const errors: string[] = [];
    // The legacy client, driving a `ws` socket that notes how it was closed.
    class ObservedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        this.on("close", (code, reason) => closes.push({ code, reason: reason.toString() }));
        this.on("error", (error) => errors.push(error.message));
      }
    }
    const client = new SubscriptionClient(
      wsUrl(),
      { reconnect: false, connectionParams: bearer(alice.accessToken) },
      ObservedWebSocket,
    );
    const disconnected = new Promise<void>((resolve) => client.onDisconnected(() => resolve()));
    client
      .request({ query: op("SessionEvents") })
      .subscribe({ next: () => undefined, error: () => undefined });
    await disconnected;
    client.close();
    expect(errors).toEqual([]);
    expect(closes).toEqual([
      {
        code: 4406,
        reason:
          "subscriptions-transport-ws is not supported: use graphql-transport-ws (the graphql-ws library)",
      },
    ]);
  });

  it("refuses a socket without a subprotocol with the same advice", async () => {
    const socket = new WebSocket(wsUrl());
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    expect(closed).toEqual({
      code: 4406,
      reason: "Unsupported WebSocket subprotocol: use graphql-transport-ws (the graphql-ws library)",
    });
  });
});
