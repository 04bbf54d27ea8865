import { RedisKeys } from "../../src/infra/redis.keys";
import { claimsOf } from "../support/accounts";
import { errorOf } from "../support/graphql-client";
import { login, PASSWORD, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
let noGrace: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "10" });
  noGrace = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0" });
});
afterAll(async () => {
  await server.stop();
  await noGrace.stop();
});

const me = (s: TestServer, token: string) => s.client.request(op("Me"), {}, { token });
const refresh = (s: TestServer, refreshToken: string) =>
  s.client.request(op("RefreshToken"), { refreshToken });

describe("refreshToken", () => {
  it("rotates: a new pair for the same session, and the old refresh token stops working", async () => {
    const first = await registerUser(noGrace.client);
    const response = await refresh(noGrace, first.refreshToken);
    expect(response.errors).toBeUndefined();
    const second = response.data!.refreshToken;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.id).toBe(first.user.id);
    expect((await me(noGrace, second.accessToken)).data?.me.id).toBe(first.user.id);
    // The old access token belongs to the same, still live, session.
    expect((await me(noGrace, first.accessToken)).data?.me.id).toBe(first.user.id);

    const third = (await refresh(noGrace, second.refreshToken)).data!.refreshToken;
    expect(third.refreshToken).not.toBe(second.refreshToken);
  });

  it("treats a reused refresh token as stolen: TOKEN_INVALID, and the whole session ends", async () => {
    const first = await registerUser(noGrace.client);
    const second = (await refresh(noGrace, first.refreshToken)).data!.refreshToken;

    expect(errorOf(await refresh(noGrace, first.refreshToken))).toMatchObject({
      code: "TOKEN_INVALID",
      errorCode: "USER_1006",
    });
    // The thief's copy and the legitimate newest pair are both dead now.
    expect(errorOf(await me(noGrace, second.accessToken))).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "SESSION_NOT_FOUND",
    });
    expect(errorOf(await refresh(noGrace, second.refreshToken)).code).toBe("SESSION_NOT_FOUND");
    const events = await noGrace.container.db.outboxEvent.findMany({
      where: { key: first.user.id, eventType: "user.logged_out" },
    });
    expect(events.map((e) => (e.payload as any).data.reason)).toEqual(["REFRESH_TOKEN_REUSE"]);
  });

  it("gives concurrent refreshes with one token the same new pair within the grace window", async () => {
    const first = await registerUser(server.client);
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(server, first.refreshToken)));
    for (const result of results) expect(result.errors).toBeUndefined();
    const pairs = new Set(
      results.map((r) => `${r.data!.refreshToken.accessToken}|${r.data!.refreshToken.refreshToken}`),
    );
    expect(pairs.size).toBe(1);
    const [pair] = results.map((r) => r.data!.refreshToken);
    expect(pair!.refreshToken).not.toBe(first.refreshToken);
    // The shared new pair is fully usable, and rotates on.
    expect((await me(server, pair!.accessToken)).data?.me.id).toBe(first.user.id);
    expect((await refresh(server, pair!.refreshToken)).errors).toBeUndefined();
  });

  it("never lets concurrent refreshes mint independent pairs, even without a grace window", async () => {
    const first = await registerUser(noGrace.client);
    const results = await Promise.all(Array.from({ length: 4 }, () => refresh(noGrace, first.refreshToken)));
    const succeeded = results.filter((r) => !r.errors);
    expect(succeeded).toHaveLength(1);
    // The first loser detects the reuse (TOKEN_INVALID) and ends the session; any later one
    // finds no session left.
    const codes = results.filter((r) => r.errors).map((r) => errorOf(r).code);
    expect(codes).toContain("TOKEN_INVALID");
    for (const code of codes) expect(["TOKEN_INVALID", "SESSION_NOT_FOUND"]).toContain(code);
    // The reuse ended the session, so not even the one minted pair survives.
    expect(errorOf(await me(noGrace, succeeded[0]!.data!.refreshToken.accessToken)).reason).toBe(
      "SESSION_NOT_FOUND",
    );
  });

  it("after the grace window a rotated token is reuse", async () => {
    const first = await registerUser(server.client);
    await refresh(server, first.refreshToken);
    const { sub, sid } = claimsOf(first.accessToken);
    const key = RedisKeys.session(sub, sid);
    // Move the rotation 11 seconds into the past instead of sleeping through the window.
    await server.container.redis.hset(key, "rotatedAt", Date.now() - 11_000);
    expect(errorOf(await refresh(server, first.refreshToken)).code).toBe("TOKEN_INVALID");
  });
});

describe("logout", () => {
  it("ends the session at once: its access and refresh tokens stop working", async () => {
    const session = await registerUser(server.client);
    const other = await login(server.client, session.user.email);
    const response = await server.client.request(op("Logout"), {}, { token: session.accessToken });
    expect(response.data?.logout).toBe(true);

    expect(errorOf(await me(server, session.accessToken))).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "SESSION_NOT_FOUND",
      errorCode: "USER_1201",
    });
    expect(errorOf(await refresh(server, session.refreshToken)).code).toBe("SESSION_NOT_FOUND");
    // Other sessions of the same user are untouched.
    expect((await me(server, other.accessToken)).data?.me.id).toBe(session.user.id);
  });

  it("requires a signed-in caller", async () => {
    expect(errorOf(await server.client.request(op("Logout"))).code).toBe("UNAUTHENTICATED");
  });
});

describe("updateProfile", () => {
  it("changes only the fields given and records user.updated with them", async () => {
    const session = await registerUser(server.client, { phone: "010-1111-2222", region: "Busan" });
    const response = await server.client.request(
      op("UpdateProfile"),
      { input: { name: "  New Name ", industry: "Retail", region: null } },
      { token: session.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.updateProfile).toMatchObject({
      name: "New Name",
      industry: "Retail",
      region: null,
      phone: "010-1111-2222",
    });
    const me_ = await me(server, session.accessToken);
    expect(me_.data!.me).toMatchObject({ name: "New Name", industry: "Retail", region: null });

    const [event] = await server.container.db.outboxEvent.findMany({
      where: { key: session.user.id, eventType: "user.updated" },
    });
    expect((event!.payload as any).data.updatedFields.sort()).toEqual(["industry", "name", "region"]);
  });

  it("validates as register does, and changes nothing on bad input", async () => {
    const session = await registerUser(server.client);
    const response = await server.client.request(
      op("UpdateProfile"),
      { input: { name: "X", businessNumber: "123-45-67890" } },
      { token: session.accessToken },
    );
    expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(Object.keys(errorOf(response).fields).sort()).toEqual(["businessNumber", "name"]);
    expect((await me(server, session.accessToken)).data!.me.name).toBe("Test User");
  });
});

describe("changePassword", () => {
  const change = (token: string, currentPassword: string, newPassword: string) =>
    server.client.request(op("ChangePassword"), { input: { currentPassword, newPassword } }, { token });

  it("needs the current password", async () => {
    const session = await registerUser(server.client);
    expect(errorOf(await change(session.accessToken, "Wr0ng!password", "N3w!Password"))).toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
  });

  it("applies the password policy to the new password", async () => {
    const session = await registerUser(server.client);
    expect(errorOf(await change(session.accessToken, PASSWORD, "short"))).toMatchObject({
      code: "WEAK_PASSWORD",
      field: "newPassword",
    });
  });

  it("changes the password and ends every other session, keeping the current one", async () => {
    const session = await registerUser(server.client);
    const other = await login(server.client, session.user.email);
    expect((await change(session.accessToken, PASSWORD, "N3w!Password")).data?.changePassword).toBe(true);

    expect((await me(server, session.accessToken)).data?.me.id).toBe(session.user.id);
    expect(errorOf(await me(server, other.accessToken)).reason).toBe("SESSION_NOT_FOUND");
    expect(
      errorOf(
        await server.client.request(op("Login"), {
          input: { email: session.user.email, password: PASSWORD },
        }),
      ).code,
    ).toBe("INVALID_CREDENTIALS");
    await login(server.client, session.user.email, "N3w!Password");

    const types = (
      await server.container.db.outboxEvent.findMany({
        where: { key: session.user.id },
        orderBy: { id: "asc" },
      })
    ).map((e) => e.eventType);
    expect(types).toEqual(expect.arrayContaining(["user.password_changed", "user.logged_out"]));
  });
});
