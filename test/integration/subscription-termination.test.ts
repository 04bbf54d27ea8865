import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { accessTokenExpiringIn, claimsOf, updateUser } from "../support/accounts";
import { createAdmin, createUserWithRole, login, registerUser, type Session } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, pollUntil, untilListening } from "../support/ws-client";

/**
 * A subscription must not outlive its right to exist. These tests time the close because that is
 * the security property: the socket ends within a couple of seconds of losing its right.
 */
const WITHIN_MS = 2_000;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(closeAllWs);
afterAll(async () => {
  await server.stop();
});

const sidOf = (session: { accessToken: string }) => claimsOf(session.accessToken).sid;

/** Connects with `token`, starts `operation`, and waits until both it and the guard listen. */
async function subscribed(
  session: Session,
  operation = "SessionEvents",
  variables?: Record<string, unknown>,
  token = session.accessToken,
) {
  const ws = connectWs(server, token);
  const subscription = ws.subscribe(operation, variables);
  await untilListening(server, channels(server).authChanged(session.user.id));
  if (operation === "SessionEvents") {
    await untilListening(server, channels(server).sessionEvents(session.user.id));
  }
  return { ws, subscription };
}

describe("the socket closes with 4403", () => {
  it("when its session is revoked, after delivering the event that says so", async () => {
    const me = await registerUser(server.client);
    const laptop = await login(server.client, me.user.email);
    const { ws, subscription } = await subscribed(me);

    await server.client.request(op("RevokeSession"), { id: sidOf(me) }, { token: laptop.accessToken });
    const revokedAt = Date.now();
    const closed = await ws.waitClosed();
    expect(closed).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
    expect(closed.at - revokedAt).toBeLessThan(WITHIN_MS);
    expect(subscription.events.map((e) => [e.type, e.sessionId, e.reason])).toEqual([
      ["SESSION_REVOKED", sidOf(me), "REVOKED_BY_USER"],
    ]);
    expect((await subscription.end()).error).toMatchObject({ code: 4403 });
  });

  it("when logoutAll ends every session, its own included", async () => {
    const me = await registerUser(server.client);
    const phone = await login(server.client, me.user.email);
    const { ws, subscription } = await subscribed(me);

    const response = await server.client.request(op("LogoutAll"), {}, { token: phone.accessToken });
    expect(response.data).toEqual({ logoutAll: 2 });
    expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
    expect(subscription.events.map((e) => e.reason)).toEqual(["LOGOUT_ALL", "LOGOUT_ALL"]);
  });

  it("when its access token expires", async () => {
    const me = await registerUser(server.client);
    const shortLived = accessTokenExpiringIn(server, me.accessToken, 2);
    const { exp } = claimsOf(shortLived);
    const { ws } = await subscribed(me, "SessionEvents", undefined, shortLived);

    const closed = await ws.waitClosed();
    expect(closed).toMatchObject({ code: 4403, reason: "TOKEN_EXPIRED" });
    expect(closed.at).toBeGreaterThanOrEqual(exp * 1000 - 50);
    expect(closed.at - exp * 1000).toBeLessThan(WITHIN_MS);
  });

  it("when the account is disabled", async () => {
    const me = await registerUser(server.client);
    const { ws } = await subscribed(me);

    await updateUser(server, me.user.id, { isActive: false });
    const disabledAt = Date.now();
    const closed = await ws.waitClosed();
    expect(closed).toMatchObject({ code: 4403, reason: "ACCOUNT_DISABLED" });
    expect(closed.at - disabledAt).toBeLessThan(WITHIN_MS);
  });

  it("when an ADMIN loses the role userSessionEvents needs; reconnecting does not bring it back", async () => {
    const admin = await registerUser(server.client);
    await updateUser(server, admin.user.id, { role: "ADMIN" });
    const { ws, subscription } = await subscribed(admin, "UserSessionEvents", { userId: null });

    await updateUser(server, admin.user.id, { role: "USER" });
    const demotedAt = Date.now();
    const closed = await ws.waitClosed();
    expect(closed).toMatchObject({ code: 4403, reason: "ROLE_CHANGED" });
    expect(closed.at - demotedAt).toBeLessThan(WITHIN_MS);
    expect((await subscription.end()).error).toMatchObject({ code: 4403 });

    // The same token still connects (the session lives), but as a USER now.
    const again = connectWs(server, admin.accessToken).subscribe("UserSessionEvents", { userId: null });
    await again.end();
    expect(again.results[0]?.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN" });
  });
});

describe("an admin's change names itself as the close reason", () => {
  // setUserActive and setUserRole end every session of the user: the close says why they ended.
  it("setUserActive(false) closes with ACCOUNT_DISABLED", async () => {
    const admin = await createAdmin(server);
    const me = await registerUser(server.client);
    const { ws, subscription } = await subscribed(me);

    const response = await server.client.request(
      op("SetUserActive"),
      { userId: me.user.id, active: false },
      { token: admin.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "ACCOUNT_DISABLED" });
    expect(subscription.events.map((e) => e.reason)).toEqual(["ACCOUNT_DISABLED"]);
  });

  it("setUserRole closes with ROLE_CHANGED", async () => {
    const admin = await createAdmin(server);
    const moderator = await createUserWithRole(server, "MODERATOR", admin);
    const { ws } = await subscribed(moderator);

    const response = await server.client.request(
      op("SetUserRole"),
      { userId: moderator.user.id, role: "USER" },
      { token: admin.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "ROLE_CHANGED" });
  });
});

describe("the socket stays open", () => {
  it("through changes that leave its right intact: a profile update, another session's logout", async () => {
    const me = await registerUser(server.client);
    const other = await login(server.client, me.user.email);
    const { ws, subscription } = await subscribed(me);

    await server.client.request(
      op("UpdateProfile"),
      { input: { name: "Renamed" } },
      { token: me.accessToken },
    );
    await server.client.request(op("Logout"), {}, { token: other.accessToken });
    // Both changes made the guard re-check; the event after them shows the socket still serves.
    const later = await login(server.client, me.user.email);
    await subscription.next(1, (e) => e.sessionId === sidOf(later));
    expect(ws.closeInfo).toBeUndefined();
  });
});

describe("reconnecting after 4403", () => {
  it("works as docs/api.md says: refresh, then connect again with the new access token", async () => {
    const me = await registerUser(server.client);
    let accessToken = accessTokenExpiringIn(server, me.accessToken, 2);
    let refreshToken = me.refreshToken;
    let mustRefresh = false;
    const closes: number[] = [];
    let connections = 0;

    const client = createClient({
      url: server.graphqlUrl.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      // Called for every (re)connection: a fresh token after the server said 4403.
      connectionParams: async () => {
        if (mustRefresh) {
          const response = await server.client.request(op("RefreshToken"), { refreshToken });
          ({ accessToken, refreshToken } = response.data!.refreshToken);
          mustRefresh = false;
        }
        return { authorization: `Bearer ${accessToken}` };
      },
      on: {
        connected: () => {
          connections += 1;
        },
        closed: (event) => {
          const { code } = event as { code: number };
          closes.push(code);
          if (code === 4403) mustRefresh = true;
        },
      },
      retryAttempts: 3,
      retryWait: async () => undefined,
    });
    const events: Array<Record<string, any>> = [];
    const dispose = client.subscribe<{ sessionEvents: Record<string, any> }>(
      { query: op("SessionEvents") },
      {
        next: (r) => void events.push(r.data!.sessionEvents),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      // The short-lived token expires, the server closes, the client refreshes and reconnects.
      await pollUntil(async () => connections >= 2, "a reconnection");
      expect(closes).toEqual([4403]);
      expect(claimsOf(accessToken).exp).toBeGreaterThan(Date.now() / 1000 + 60);

      // The client re-sent the subscription on the new connection: our events arrive again.
      // (Logins until one is seen: nothing tells the client when the server is listening.)
      let seen = false;
      while (!seen) {
        const session = await login(server.client, me.user.email);
        seen = await pollUntil(
          async () => events.some((e) => e.sessionId === sidOf(session)),
          "the event",
          500,
        ).then(
          () => true,
          () => false,
        );
      }
    } finally {
      dispose();
      await client.dispose();
    }
  });
});
