import { createAdmin, login, PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { verificationToken } from "../support/recovery";
import { auditEntries, outboxEvents } from "../support/records";
import { createMigratedDatabase } from "../support/test-db";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: "true" });
});
afterAll(() => server.stop());

const exportData = (accessToken: string) =>
  server.client.request(op("ExportMyData"), {}, { token: accessToken });
const deleteMyAccount = (accessToken: string, password: string) =>
  server.client.request(op("DeleteMyAccount"), { password }, { token: accessToken });
const from = (ip: string, agent = "gdpr-test/1.0") => ({ "x-forwarded-for": ip, "user-agent": agent });

describe("exportMyData", () => {
  it("holds the profile, login history, sessions, audit entries and links that concern the caller", async () => {
    const email = uniqueEmail("export");
    // An attempt that named the address before the account existed: a stranger's, not exported.
    await server.client.request(
      op("Login"),
      { input: { email, password: PASSWORD } },
      { headers: from("198.51.100.1") },
    );
    const session = await registerUser(
      server.client,
      { email, name: "Ada Export", region: "Seoul" },
      from("198.51.100.2"),
    );
    await server.client.request(
      op("Login"),
      { input: { email, password: "Wr0ng!password" } },
      { headers: from("198.51.100.3") },
    );
    const second = await login(server.client, email, PASSWORD, from("198.51.100.4", "phone/2.0"));
    const token = await verificationToken(server, session);
    // An admin acts on them: an audit entry with the user as target.
    const admin = await createAdmin(server);
    await server.client.request(
      op("RevokeUserSessions"),
      { userId: session.user.id },
      { token: admin.accessToken, headers: from("203.0.113.99") },
    );
    const current = await login(server.client, email, PASSWORD, from("198.51.100.5"));
    // Someone else's data must not show up.
    const stranger = await registerUser(server.client, {}, from("198.51.100.6"));

    const response = await exportData(current.accessToken);
    expect(response.errors).toBeUndefined();
    const data = response.data!.exportMyData;

    expect(new Date(data.exportedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(data.profile).toMatchObject({ id: session.user.id, email, name: "Ada Export", region: "Seoul" });
    expect(data.failedLoginAttempts).toBe(0);
    expect(data.lockedUntil).toBeNull();
    // Only the account's own attempts: the one made with the address before the account existed
    // (198.51.100.1) was a stranger's, with a stranger's IP and User-Agent.
    expect(data.loginHistory.map((a: any) => [a.ipAddress, a.success, a.failureReason])).toEqual([
      ["198.51.100.3", false, "INVALID_PASSWORD"],
      ["198.51.100.4", true, null],
      ["198.51.100.5", true, null],
    ]);
    expect(data.loginHistory[1]).toMatchObject({ email, userAgent: "phone/2.0" });
    expect(JSON.stringify(data.loginHistory)).not.toContain('198.51.100.1"');

    // Only the session that is still live (the admin ended the others), marked current.
    expect(data.sessions).toEqual([
      {
        id: expect.any(String),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: expect.any(String),
        ipAddress: "198.51.100.5",
        userAgent: "gdpr-test/1.0",
        current: true,
      },
    ]);
    expect(second.accessToken).not.toBe(current.accessToken);

    expect(data.auditEntries).toEqual([
      {
        id: expect.any(String),
        action: "SESSIONS_REVOKED",
        actorId: admin.user.id,
        targetId: session.user.id,
        details: { count: 2 },
        // The admin's IP is the admin's data, not this user's.
        ipAddress: null,
        requestId: expect.any(String),
        createdAt: expect.any(String),
      },
    ]);
    expect(data.accountTokens).toEqual([
      {
        purpose: "EMAIL_VERIFICATION",
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
        usedAt: null,
      },
    ]);

    const text = JSON.stringify(data);
    expect(text).not.toContain(token);
    expect(text).not.toContain(stranger.user.id);
    expect(text).not.toContain(stranger.user.email);
    expect(text).not.toMatch(/\$2[aby]\$/); // no password hash
  });

  it("shows staff what they did, with their own IP", async () => {
    const admin = await createAdmin(server);
    const target = await registerUser(server.client);
    await server.client.request(
      op("SetUserActive"),
      { userId: target.user.id, active: false },
      { token: admin.accessToken, headers: from("203.0.113.50") },
    );
    const data = (await exportData(admin.accessToken)).data!.exportMyData;
    const disabled = data.auditEntries.find((e: any) => e.action === "USER_DISABLED");
    expect(disabled).toMatchObject({
      actorId: admin.user.id,
      targetId: target.user.id,
      ipAddress: "203.0.113.50",
    });
  });

  it("needs a signed-in user", async () => {
    expect(errorOf(await server.client.request(op("ExportMyData"))).code).toBe("UNAUTHENTICATED");
  });
});

describe("deleteMyAccount", () => {
  it("refuses a wrong password and changes nothing", async () => {
    const session = await registerUser(server.client);
    expect(errorOf(await deleteMyAccount(session.accessToken, "Wr0ng!password")).code).toBe(
      "INVALID_CREDENTIALS",
    );
    expect((await server.client.request(op("Me"), {}, { token: session.accessToken })).data!.me.email).toBe(
      session.user.email,
    );
    expect(await outboxEvents(server, session.user.id, "user.deleted")).toEqual([]);
  });

  it("erases the account: anonymised, history and links gone, sessions ended, user.deleted, audited", async () => {
    const session = await registerUser(server.client, {
      phone: "+82 10-1234-5678",
      businessNumber: "220-81-62517",
    });
    const other = await login(server.client, session.user.email);
    await verificationToken(server, session);

    expect((await deleteMyAccount(session.accessToken, PASSWORD)).data).toEqual({ deleteMyAccount: true });

    // Every session ended at once.
    for (const s of [session, other]) {
      const me = await server.client.request(op("Me"), {}, { token: s.accessToken });
      expect(errorOf(me).code).toBe("UNAUTHENTICATED");
    }

    const row = await server.container.db.user.findUniqueOrThrow({ where: { id: session.user.id } });
    expect(row).toMatchObject({
      email: `deleted_${session.user.id}@deleted.invalid`,
      name: "Deleted User",
      phone: null,
      businessNumber: null,
      businessNumberStatus: null,
      isActive: false,
      deletedAt: expect.any(Date),
    });
    const db = server.container.db;
    expect(
      await db.loginHistory.count({
        where: { OR: [{ userId: session.user.id }, { email: session.user.email }] },
      }),
    ).toBe(0);
    // (A login with the old address now is an attempt on an unknown address.)
    expect(
      errorOf(
        await server.client.request(op("Login"), {
          input: { email: session.user.email, password: PASSWORD },
        }),
      ).code,
    ).toBe("INVALID_CREDENTIALS");
    expect(await db.accountToken.count({ where: { userId: session.user.id } })).toBe(0);

    const events = (await outboxEvents(server, session.user.id)).map((e) => e.eventType);
    expect(events.slice(-2)).toEqual(["user.deleted", "user.logged_out"]);
    const [entry] = await auditEntries(server, session.user.id);
    expect(entry).toMatchObject({
      action: "USER_DELETED",
      actorId: session.user.id,
      targetId: session.user.id,
      details: { role: "USER", selfService: true },
    });
  });

  it("frees the e-mail: it can register again, as a new account with nothing of the old one", async () => {
    const first = await registerUser(server.client, { name: "First Life" });
    expect((await deleteMyAccount(first.accessToken, PASSWORD)).data).toEqual({ deleteMyAccount: true });

    const again = await registerUser(server.client, {
      email: first.user.email.toUpperCase(),
      password: "An0ther!Passw0rd",
      name: "Second Life",
    });
    expect(again.user.id).not.toBe(first.user.id);
    expect(again.user.email).toBe(first.user.email);
    await login(server.client, first.user.email, "An0ther!Passw0rd");

    const data = (await exportData(again.accessToken)).data!.exportMyData;
    expect(data.profile).toMatchObject({ id: again.user.id, name: "Second Life" });
    expect(data.loginHistory).toHaveLength(1); // the login just now; the first life's are gone
    expect(data.auditEntries).toEqual([]);
  });

  it("needs a signed-in user", async () => {
    expect(errorOf(await server.client.request(op("DeleteMyAccount"), { password: PASSWORD })).code).toBe(
      "UNAUTHENTICATED",
    );
  });
});

describe("deleteMyAccount and the last admin", () => {
  // The number of active admins is global state: a database of its own.
  it("refuses to erase the last active ADMIN (LAST_ADMIN), and erases one who is not the last", async () => {
    const database = await createMigratedDatabase();
    const isolated = await startTestServer({ DATABASE_URL: database.url });
    try {
      const only = await createAdmin(isolated);
      const refused = await isolated.client.request(
        op("DeleteMyAccount"),
        { password: PASSWORD },
        { token: only.accessToken },
      );
      expect(errorOf(refused)).toMatchObject({ code: "FORBIDDEN", reason: "LAST_ADMIN" });
      expect(
        (await isolated.client.request(op("Me"), {}, { token: only.accessToken })).errors,
      ).toBeUndefined();

      await createAdmin(isolated);
      const erased = await isolated.client.request(
        op("DeleteMyAccount"),
        { password: PASSWORD },
        { token: only.accessToken },
      );
      expect(erased.data).toEqual({ deleteMyAccount: true });
    } finally {
      await isolated.stop();
      await database.drop();
    }
  });
});
