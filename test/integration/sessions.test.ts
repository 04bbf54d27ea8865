import { claimsOf } from "../support/accounts";
import { login, registerUser } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const mySessions = (token: string) => server.client.request(op("MySessions"), {}, { token });
const me = (token: string) => server.client.request(op("Me"), {}, { token });
const sidOf = (token: string) => claimsOf(token).sid;

describe("mySessions", () => {
  it("lists the caller's live sessions, most recently used first, marking the current one", async () => {
    const first = await registerUser(server.client, {}, { "user-agent": "browser-one" });
    const second = await login(server.client, first.user.email, undefined, {
      "user-agent": "browser-two",
    });
    const response = await mySessions(first.accessToken);
    expect(response.errors).toBeUndefined();
    const sessions = response.data!.mySessions;
    expect(sessions.map((s: { id: string }) => s.id)).toEqual([
      sidOf(second.accessToken),
      sidOf(first.accessToken),
    ]);
    expect(sessions[0]).toMatchObject({ current: false, userAgent: "browser-two", ipAddress: "127.0.0.1" });
    expect(sessions[1]).toMatchObject({ current: true, userAgent: "browser-one" });
    for (const session of sessions) {
      expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.parse(session.lastUsedAt));
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }
  });

  it("shows the same list as User.sessions to the user", async () => {
    const session = await registerUser(server.client);
    const response = await server.client.request(op("MeWithSessions"), {}, { token: session.accessToken });
    expect(response.errors).toBeUndefined();
    expect(response.data!.me.sessions).toEqual((await mySessions(session.accessToken)).data!.mySessions);
  });

  it("requires a signed-in caller", async () => {
    expect(errorOf(await server.client.request(op("MySessions"))).code).toBe("UNAUTHENTICATED");
  });
});

describe("revokeSession", () => {
  const revoke = (token: string, id: string) => server.client.request(op("RevokeSession"), { id }, { token });

  it("ends one of the caller's sessions: its tokens stop working, the others keep working", async () => {
    const first = await registerUser(server.client);
    const second = await login(server.client, first.user.email);
    expect((await revoke(first.accessToken, sidOf(second.accessToken))).data).toEqual({
      revokeSession: true,
    });
    expect(errorOf(await me(second.accessToken)).reason).toBe("SESSION_NOT_FOUND");
    expect(
      errorOf(await server.client.request(op("RefreshToken"), { refreshToken: second.refreshToken })).code,
    ).toBe("SESSION_NOT_FOUND");
    expect((await me(first.accessToken)).data?.me.id).toBe(first.user.id);

    const events = await server.container.db.outboxEvent.findMany({
      where: { key: first.user.id, eventType: "user.logged_out" },
    });
    expect(events.map((e) => (e.payload as any).data)).toEqual([
      expect.objectContaining({ sessionIds: [sidOf(second.accessToken)], reason: "REVOKED_BY_USER" }),
    ]);
  });

  it("answers SESSION_NOT_FOUND for someone else's session, and leaves it alone", async () => {
    const mine = await registerUser(server.client);
    const theirs = await registerUser(server.client);
    expect(errorOf(await revoke(mine.accessToken, sidOf(theirs.accessToken)))).toMatchObject({
      code: "SESSION_NOT_FOUND",
      errorCode: "USER_1201",
    });
    // Exactly the answer for an id that does not exist: nothing to tell the two apart.
    const unknown = errorOf(await revoke(mine.accessToken, "00000000-0000-4000-8000-000000000000"));
    expect(unknown).toEqual(errorOf(await revoke(mine.accessToken, sidOf(theirs.accessToken))));
    expect((await me(theirs.accessToken)).data?.me.id).toBe(theirs.user.id);
  });

  it("can end the current session", async () => {
    const session = await registerUser(server.client);
    expect((await revoke(session.accessToken, sidOf(session.accessToken))).data?.revokeSession).toBe(true);
    expect(errorOf(await me(session.accessToken)).reason).toBe("SESSION_NOT_FOUND");
  });
});

describe("logoutAll", () => {
  it("ends every session of the caller, the current one included, and returns how many", async () => {
    const first = await registerUser(server.client);
    const second = await login(server.client, first.user.email);
    const third = await login(server.client, first.user.email);
    const bystander = await registerUser(server.client);

    const response = await server.client.request(op("LogoutAll"), {}, { token: second.accessToken });
    expect(response.data).toEqual({ logoutAll: 3 });
    for (const session of [first, second, third]) {
      expect(errorOf(await me(session.accessToken)).reason).toBe("SESSION_NOT_FOUND");
    }
    expect((await me(bystander.accessToken)).data?.me.id).toBe(bystander.user.id);

    const events = await server.container.db.outboxEvent.findMany({
      where: { key: first.user.id, eventType: "user.logged_out" },
    });
    expect(events).toHaveLength(1);
    expect((events[0]!.payload as any).data.reason).toBe("LOGOUT_ALL");
    expect([...(events[0]!.payload as any).data.sessionIds].sort()).toEqual(
      [first, second, third].map((s) => sidOf(s.accessToken)).sort(),
    );
  });

  it("requires a signed-in caller", async () => {
    expect(errorOf(await server.client.request(op("LogoutAll"))).code).toBe("UNAUTHENTICATED");
  });
});

describe("session limit and lastUsedAt", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ MAX_SESSIONS_PER_USER: "3", SESSION_TOUCH_INTERVAL_SECONDS: "0" });
  });
  afterAll(async () => {
    await limited.stop();
  });

  it("a new login beyond MAX_SESSIONS_PER_USER ends the least recently used session", async () => {
    const first = await registerUser(limited.client);
    const second = await login(limited.client, first.user.email);
    const third = await login(limited.client, first.user.email);
    // Using the oldest session makes the second one the least recently used.
    await limited.client.request(op("Me"), {}, { token: first.accessToken });

    const fourth = await login(limited.client, first.user.email);
    const ids = (
      await limited.client.request(op("MySessions"), {}, { token: fourth.accessToken })
    ).data!.mySessions.map((s: { id: string }) => s.id);
    expect(ids).toEqual([fourth, first, third].map((s) => sidOf(s.accessToken)));
    expect(errorOf(await limited.client.request(op("Me"), {}, { token: second.accessToken })).reason).toBe(
      "SESSION_NOT_FOUND",
    );
    const events = await limited.container.db.outboxEvent.findMany({
      where: { key: first.user.id, eventType: "user.logged_out" },
    });
    expect(events.map((e) => (e.payload as any).data)).toEqual([
      expect.objectContaining({ sessionIds: [sidOf(second.accessToken)], reason: "SESSION_LIMIT" }),
    ]);
  });

  it("writes lastUsedAt at most every SESSION_TOUCH_INTERVAL_SECONDS", async () => {
    // The default server writes at most once a minute: a request right after login changes nothing.
    const session = await registerUser(server.client);
    const before = (await mySessions(session.accessToken)).data!.mySessions[0].lastUsedAt;
    await me(session.accessToken);
    expect((await mySessions(session.accessToken)).data!.mySessions[0].lastUsedAt).toBe(before);

    // With an interval of 0 every request records its use.
    const eager = await registerUser(limited.client);
    const query = () => limited.client.request(op("MySessions"), {}, { token: eager.accessToken });
    const first = (await query()).data!.mySessions[0].lastUsedAt;
    await new Promise((r) => setTimeout(r, 5));
    await limited.client.request(op("Me"), {}, { token: eager.accessToken });
    expect(Date.parse((await query()).data!.mySessions[0].lastUsedAt)).toBeGreaterThan(Date.parse(first));
  });
});
