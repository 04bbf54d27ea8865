import { claimsOf, updateUser } from "../support/accounts";
import { login, PASSWORD, registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, untilListening } from "../support/ws-client";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0",
    MAX_LOGIN_ATTEMPTS: "3",
    MAX_SESSIONS_PER_USER: "3",
    SESSION_TOUCH_INTERVAL_SECONDS: "0",
  });
});
afterEach(closeAllWs);
afterAll(async () => {
  await server.stop();
});

const sidOf = (session: { accessToken: string }) => claimsOf(session.accessToken).sid;
/** What the order tests compare: type, session and reason of each event. */
const summary = (events: Array<Record<string, any>>) => events.map((e) => [e.type, e.sessionId, e.reason]);

/** Subscribes `session`'s user to their own events and waits until the subscription listens. */
async function watchOwnEvents(session: Session) {
  const subscription = connectWs(server, session.accessToken).subscribe("SessionEvents");
  await untilListening(server, channels(server).sessionEvents(session.user.id));
  return subscription;
}

describe("sessionEvents: the caller's own events, in order", () => {
  it("login, refresh and logout of another session", async () => {
    const me = await registerUser(server.client);
    const events = await watchOwnEvents(me);

    const phone = await login(server.client, me.user.email, PASSWORD, { "user-agent": "phone/1.0" });
    const refreshed = await server.client.request(op("RefreshToken"), { refreshToken: phone.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    await server.client.request(op("Logout"), {}, { token: phone.accessToken });

    const received = await events.next(3);
    expect(summary(received)).toEqual([
      ["SESSION_CREATED", sidOf(phone), null],
      ["SESSION_REFRESHED", sidOf(phone), null],
      ["SESSION_REVOKED", sidOf(phone), "LOGOUT"],
    ]);
    expect(received[0]).toMatchObject({
      userId: me.user.id,
      ipAddress: "127.0.0.1",
      userAgent: "phone/1.0",
    });
    expect(Math.abs(Date.parse(received[0]!.occurredAt) - Date.now())).toBeLessThan(60_000);
  });

  it("failed logins, then the lockout, then a login refused while locked", async () => {
    const me = await registerUser(server.client);
    const events = await watchOwnEvents(me);

    for (let i = 0; i < 3; i += 1) {
      await server.client.request(op("Login"), { input: { email: me.user.email, password: "Wr0ng!pass" } });
    }
    const locked = await server.client.request(op("Login"), {
      input: { email: me.user.email, password: PASSWORD },
    });
    expect(errorOf(locked).code).toBe("ACCOUNT_LOCKED");

    const received = await events.next(5);
    expect(received.map((e) => [e.type, e.reason?.replace(/^\d{4}-.*Z$/, "<time>")])).toEqual([
      ["LOGIN_FAILED", "INVALID_PASSWORD"],
      ["LOGIN_FAILED", "INVALID_PASSWORD"],
      ["LOGIN_FAILED", "INVALID_PASSWORD"],
      ["ACCOUNT_LOCKED", "<time>"],
      ["LOGIN_FAILED", "ACCOUNT_LOCKED"],
    ]);
    expect(errorOf(locked).lockedUntil).toBe(received[3]!.reason);
  });

  it("revokeSession of another session", async () => {
    const me = await registerUser(server.client);
    const laptop = await login(server.client, me.user.email);
    const events = await watchOwnEvents(me);

    await server.client.request(op("RevokeSession"), { id: sidOf(laptop) }, { token: me.accessToken });
    expect(summary(await events.next(1))).toEqual([["SESSION_REVOKED", sidOf(laptop), "REVOKED_BY_USER"]]);
  });

  it("the session limit ends the least recently used session, and says so", async () => {
    const me = await registerUser(server.client);
    const events = await watchOwnEvents(me);
    const second = await login(server.client, me.user.email);
    const third = await login(server.client, me.user.email);
    await server.client.request(op("Me"), {}, { token: me.accessToken });
    const fourth = await login(server.client, me.user.email);

    expect(summary(await events.next(4))).toEqual([
      ["SESSION_CREATED", sidOf(second), null],
      ["SESSION_CREATED", sidOf(third), null],
      ["SESSION_REVOKED", sidOf(second), "SESSION_LIMIT"],
      ["SESSION_CREATED", sidOf(fourth), null],
    ]);
  });

  it("reuse of a rotated refresh token", async () => {
    const me = await registerUser(server.client);
    const other = await login(server.client, me.user.email);
    const events = await watchOwnEvents(me);

    await server.client.request(op("RefreshToken"), { refreshToken: other.refreshToken });
    const reuse = await server.client.request(op("RefreshToken"), { refreshToken: other.refreshToken });
    expect(errorOf(reuse).code).toBe("TOKEN_INVALID");

    expect(summary(await events.next(2))).toEqual([
      ["SESSION_REFRESHED", sidOf(other), null],
      ["SESSION_REVOKED", sidOf(other), "REFRESH_TOKEN_REUSE"],
    ]);
  });

  it("a password change, which ends the other sessions", async () => {
    const me = await registerUser(server.client);
    const other = await login(server.client, me.user.email);
    const events = await watchOwnEvents(me);

    const changed = await server.client.request(
      op("ChangePassword"),
      { input: { currentPassword: PASSWORD, newPassword: "N3w!Password" } },
      { token: me.accessToken },
    );
    expect(changed.data?.changePassword).toBe(true);
    expect(summary(await events.next(2))).toEqual([
      ["SESSION_REVOKED", sidOf(other), "PASSWORD_CHANGED"],
      ["PASSWORD_CHANGED", sidOf(me), null],
    ]);
  });

  it("never delivers another user's events", async () => {
    const me = await registerUser(server.client);
    const stranger = await registerUser(server.client);
    const events = await watchOwnEvents(me);

    const strangerSession = await login(server.client, stranger.user.email);
    await server.client.request(op("Login"), {
      input: { email: stranger.user.email, password: "Wr0ng!pass" },
    });
    await server.client.request(op("Logout"), {}, { token: strangerSession.accessToken });
    // Events reach a subscriber in the order they were published, so had any of the stranger's
    // been delivered, it would be here before this one.
    const mine = await login(server.client, me.user.email);

    await events.next(1, (e) => e.sessionId === sidOf(mine));
    expect(events.events.map((e) => e.userId)).toEqual([me.user.id]);
  });

  it("is refused to anyone asking for another user's events through userSessionEvents", async () => {
    const me = await registerUser(server.client);
    const stranger = await registerUser(server.client);
    const subscription = connectWs(server, me.accessToken).subscribe("UserSessionEvents", {
      userId: stranger.user.id,
    });
    await subscription.end();
    expect(subscription.results[0]?.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN" });
    expect(subscription.events).toEqual([]);
  });
});

describe("userSessionEvents (ADMIN)", () => {
  async function registerAdmin() {
    const admin = await registerUser(server.client);
    await updateUser(server, admin.user.id, { role: "ADMIN" });
    return admin;
  }

  it("streams one user's events when given a userId", async () => {
    const admin = await registerAdmin();
    const watched = await registerUser(server.client);
    const other = await registerUser(server.client);
    const events = connectWs(server, admin.accessToken).subscribe("UserSessionEvents", {
      userId: watched.user.id,
    });
    await untilListening(server, channels(server).sessionEvents(watched.user.id));

    await login(server.client, other.user.email);
    const session = await login(server.client, watched.user.email);
    await server.client.request(op("Logout"), {}, { token: session.accessToken });

    expect(summary(await events.next(2))).toEqual([
      ["SESSION_CREATED", sidOf(session), null],
      ["SESSION_REVOKED", sidOf(session), "LOGOUT"],
    ]);
    expect(events.events.every((e) => e.userId === watched.user.id)).toBe(true);
  });

  it("streams every user's events when userId is null, registrations included", async () => {
    const admin = await registerAdmin();
    const events = connectWs(server, admin.accessToken).subscribe("UserSessionEvents", {
      userId: null,
    });
    // Other test files may publish on this channel too, so wait for an event of our own making.
    await events.untilReceiving(async () => (await registerUser(server.client)).user.id);

    const first = await registerUser(server.client);
    const second = await registerUser(server.client);
    await server.client.request(op("Login"), { input: { email: first.user.email, password: "Wr0ng!pass" } });
    await server.client.request(op("Logout"), {}, { token: second.accessToken });

    const ours = (e: Record<string, any>) => e.userId === first.user.id || e.userId === second.user.id;
    const received = await events.next(4, ours);
    expect(received.map((e) => [e.userId, e.type, e.reason])).toEqual([
      [first.user.id, "SESSION_CREATED", null],
      [second.user.id, "SESSION_CREATED", null],
      [first.user.id, "LOGIN_FAILED", "INVALID_PASSWORD"],
      [second.user.id, "SESSION_REVOKED", "LOGOUT"],
    ]);
  });
});
