import { RedisKeys } from "../../src/infra/redis.keys";
import { UserCache } from "../../src/users/user.cache";
import {
  createAdmin,
  createUserWithRole,
  login,
  missingId,
  PASSWORD,
  registerUser,
  uniqueEmail,
  type Session,
} from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { auditEntries, outboxEvents } from "../support/records";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
let admin: Session;
let moderator: Session;
beforeAll(async () => {
  server = await startTestServer({ MAX_LOGIN_ATTEMPTS: "2", TRUST_PROXY: "true" });
  admin = await createAdmin(server);
  moderator = await createUserWithRole(server, "MODERATOR", admin);
});
afterAll(() => server.stop());

const IP = { "x-forwarded-for": "198.51.100.23" };
const call = (name: string, variables: Record<string, unknown>, as: { accessToken: string }) =>
  server.client.request(op(name), variables, { token: as.accessToken, headers: IP });
const me = (session: { accessToken: string }) =>
  server.client.request(op("Me"), {}, { token: session.accessToken });
const cachedProfile = async (userId: string) =>
  new UserCache({ redis: server.container.redis, ttlSeconds: 60 }).decode(
    await server.container.redis.get(RedisKeys.profile(userId)),
  );

describe("adminCreateUser", () => {
  it("creates an account with the role, verification and profile given, audited and announced", async () => {
    const email = uniqueEmail("made");
    const response = await call(
      "AdminCreateUser",
      {
        input: {
          email: email.toUpperCase(),
          password: PASSWORD,
          name: "Made By Admin",
          role: "MODERATOR",
          isVerified: true,
          businessNumber: "1234567891",
        },
      },
      admin,
    );
    expect(response.errors).toBeUndefined();
    const created = response.data!.adminCreateUser;
    expect(created).toMatchObject({
      email,
      role: "MODERATOR",
      isVerified: true,
      isActive: true,
      businessNumber: "123-45-67891",
    });

    const session = await login(server.client, email);
    expect(session.user.role).toBe("MODERATOR");
    expect((await outboxEvents(server, created.id, "user.created"))[0]?.data).toMatchObject({
      email,
      role: "MODERATOR",
    });
    const [entry] = await auditEntries(server, created.id);
    expect(entry).toMatchObject({
      actorId: admin.user.id,
      action: "USER_CREATED",
      details: { role: "MODERATOR", isVerified: true },
      ipAddress: "198.51.100.23",
    });
    expect(JSON.stringify(entry?.details)).not.toContain(email);
  });

  it("defaults to an unverified USER and keeps the registration rules", async () => {
    const email = uniqueEmail("plain");
    const input = { email, password: PASSWORD, name: "Plain User" };
    const created = (await call("AdminCreateUser", { input }, admin)).data!.adminCreateUser;
    expect(created).toMatchObject({ role: "USER", isVerified: false });

    expect(errorOf(await call("AdminCreateUser", { input }, admin)).code).toBe("EMAIL_ALREADY_EXISTS");
    const weak = { ...input, email: uniqueEmail("weak"), password: "password" };
    expect(errorOf(await call("AdminCreateUser", { input: weak }, admin)).code).toBe("WEAK_PASSWORD");
    expect(await server.container.db.user.count({ where: { email: weak.email } })).toBe(0);
    expect(await auditEntries(server, created.id)).toHaveLength(1);
  });
});

describe("setUserRole", () => {
  it("changes the role, ends the target's sessions, writes the cache, the events and the audit entry", async () => {
    const target = await registerUser(server.client);
    const response = await call("SetUserRole", { userId: target.user.id, role: "MODERATOR" }, admin);
    expect(response.data?.setUserRole).toEqual({ id: target.user.id, role: "MODERATOR" });

    expect(errorOf(await me(target))).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "SESSION_NOT_FOUND",
    });
    expect((await cachedProfile(target.user.id))?.role).toBe("MODERATOR");
    const again = await login(server.client, target.user.email);
    expect((await call("Users", { first: 1 }, again)).errors).toBeUndefined();

    const events = await outboxEvents(server, target.user.id);
    expect(events.find((e) => e.eventType === "user.role_changed")?.data).toEqual({
      id: target.user.id,
      oldRole: "USER",
      newRole: "MODERATOR",
      actorId: admin.user.id,
    });
    expect(events.find((e) => e.eventType === "user.logged_out")?.data.reason).toBe("ROLE_CHANGED");
    expect(await auditEntries(server, target.user.id)).toEqual([
      expect.objectContaining({
        actorId: admin.user.id,
        action: "ROLE_CHANGED",
        details: { oldRole: "USER", newRole: "MODERATOR" },
        ipAddress: "198.51.100.23",
      }),
    ]);
  });

  it("changes nothing and writes nothing when the role is already the one asked for", async () => {
    const target = await registerUser(server.client);
    const response = await call("SetUserRole", { userId: target.user.id, role: "USER" }, admin);
    expect(response.data?.setUserRole.role).toBe("USER");
    expect((await me(target)).errors).toBeUndefined();
    expect(await auditEntries(server, target.user.id)).toHaveLength(0);
  });

  it("refuses an admin's own role, and unknown or malformed ids", async () => {
    const self = errorOf(await call("SetUserRole", { userId: admin.user.id, role: "USER" }, admin));
    expect(self).toMatchObject({ code: "FORBIDDEN", reason: "SELF_CHANGE" });
    expect(self.message).toMatch(/own role/);
    expect((await me(admin)).data?.me.role).toBe("ADMIN");

    for (const userId of [missingId(), "not-a-uuid"]) {
      expect(errorOf(await call("SetUserRole", { userId, role: "ADMIN" }, admin)).code).toBe(
        "USER_NOT_FOUND",
      );
    }
  });

  it("is closed to moderators", async () => {
    const target = await registerUser(server.client);
    const denied = errorOf(
      await call("SetUserRole", { userId: target.user.id, role: "MODERATOR" }, moderator),
    );
    expect(denied).toEqual({ code: "FORBIDDEN", message: "You are not allowed to do this." });
    expect(await auditEntries(server, target.user.id)).toHaveLength(0);
  });
});

describe("setUserActive", () => {
  it("disables an account at once (sessions end, login refused) and re-enables it", async () => {
    const target = await registerUser(server.client);
    const off = await call("SetUserActive", { userId: target.user.id, active: false }, admin);
    expect(off.data?.setUserActive).toMatchObject({ isActive: false });
    expect(errorOf(await me(target)).code).toBe("UNAUTHENTICATED");
    expect(
      errorOf(
        await server.client.request(op("Login"), { input: { email: target.user.email, password: PASSWORD } }),
      ).code,
    ).toBe("ACCOUNT_DISABLED");
    expect((await cachedProfile(target.user.id))?.isActive).toBe(false);

    const on = await call("SetUserActive", { userId: target.user.id, active: true }, admin);
    expect(on.data?.setUserActive).toMatchObject({ isActive: true });
    expect((await login(server.client, target.user.email)).user.id).toBe(target.user.id);

    const events = await outboxEvents(server, target.user.id);
    expect(events.filter((e) => e.eventType === "user.updated").map((e) => e.data.updatedFields)).toEqual([
      ["isActive"],
      ["isActive"],
    ]);
    expect(events.find((e) => e.eventType === "user.logged_out")?.data.reason).toBe("ACCOUNT_DISABLED");
    expect((await auditEntries(server, target.user.id)).map((e) => e.action)).toEqual([
      "USER_DISABLED",
      "USER_ENABLED",
    ]);
  });

  it("lets a moderator disable and re-enable USER accounts, audited as theirs", async () => {
    const target = await registerUser(server.client);
    expect(
      (await call("SetUserActive", { userId: target.user.id, active: false }, moderator)).errors,
    ).toBeUndefined();
    expect(
      (await call("SetUserActive", { userId: target.user.id, active: true }, moderator)).errors,
    ).toBeUndefined();
    const entries = await auditEntries(server, target.user.id);
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["USER_DISABLED", moderator.user.id],
      ["USER_ENABLED", moderator.user.id],
    ]);
  });

  it("keeps moderators off staff accounts and everyone off their own", async () => {
    const otherModerator = await createUserWithRole(server, "MODERATOR", admin);
    for (const target of [otherModerator, admin]) {
      const denied = errorOf(
        await call("SetUserActive", { userId: target.user.id, active: false }, moderator),
      );
      expect(denied).toMatchObject({ code: "FORBIDDEN", reason: "MODERATOR_SCOPE" });
      expect((await me(target)).errors).toBeUndefined();
    }
    expect(
      errorOf(await call("SetUserActive", { userId: moderator.user.id, active: false }, moderator)),
    ).toMatchObject({ code: "FORBIDDEN", reason: "SELF_CHANGE" });
    expect(
      errorOf(await call("SetUserActive", { userId: admin.user.id, active: false }, admin)),
    ).toMatchObject({ code: "FORBIDDEN", reason: "SELF_CHANGE" });
    expect(await auditEntries(server, otherModerator.user.id)).toHaveLength(1); // its promotion
  });

  it("writes nothing when the account already is as asked", async () => {
    const target = await registerUser(server.client);
    await call("SetUserActive", { userId: target.user.id, active: true }, admin);
    expect(await auditEntries(server, target.user.id)).toHaveLength(0);
    expect(await outboxEvents(server, target.user.id, "user.updated")).toHaveLength(0);
  });
});

describe("unlockUser", () => {
  it("clears a login lockout so the right password works again", async () => {
    const target = await registerUser(server.client);
    const attempt = (password: string) =>
      server.client.request(op("Login"), { input: { email: target.user.email, password } });
    await attempt("Wr0ng!password");
    expect(errorOf(await attempt("Wr0ng!password")).code).toBe("ACCOUNT_LOCKED");
    expect(errorOf(await attempt(PASSWORD)).code).toBe("ACCOUNT_LOCKED");
    const locked = (await call("User", { id: target.user.id }, admin)).data!.user.lockedUntil;
    expect(new Date(locked).getTime()).toBeGreaterThan(Date.now());

    const response = await call("UnlockUser", { userId: target.user.id }, admin);
    expect(response.data?.unlockUser).toEqual({ id: target.user.id, lockedUntil: null });
    expect((await attempt(PASSWORD)).errors).toBeUndefined();

    const [entry] = await auditEntries(server, target.user.id);
    expect(entry).toMatchObject({ action: "USER_UNLOCKED", actorId: admin.user.id });
    expect((entry!.details as any).lockedUntil).toBe(locked);
    expect((await outboxEvents(server, target.user.id, "user.updated"))[0]?.data.updatedFields).toEqual([
      "lockedUntil",
      "failedLoginAttempts",
    ]);
  });

  it("writes nothing for an account that is not locked; moderators may not unlock", async () => {
    const target = await registerUser(server.client);
    expect((await call("UnlockUser", { userId: target.user.id }, admin)).errors).toBeUndefined();
    expect(await auditEntries(server, target.user.id)).toHaveLength(0);
    expect(errorOf(await call("UnlockUser", { userId: target.user.id }, moderator)).code).toBe("FORBIDDEN");
  });
});

describe("revokeUserSessions", () => {
  it("ends every session of the user and says how many", async () => {
    const target = await registerUser(server.client);
    const second = await login(server.client, target.user.email);
    const response = await call("RevokeUserSessions", { userId: target.user.id }, admin);
    expect(response.data?.revokeUserSessions).toBe(2);
    for (const session of [target, second]) {
      expect(errorOf(await me(session))).toMatchObject({ reason: "SESSION_NOT_FOUND" });
    }
    expect((await outboxEvents(server, target.user.id, "user.logged_out"))[0]?.data).toMatchObject({
      reason: "REVOKED_BY_ADMIN",
    });
    expect(await auditEntries(server, target.user.id)).toEqual([
      expect.objectContaining({ action: "SESSIONS_REVOKED", details: { count: 2 } }),
    ]);
    expect(
      (await call("RevokeUserSessions", { userId: target.user.id }, admin)).data?.revokeUserSessions,
    ).toBe(0);
    expect(errorOf(await call("RevokeUserSessions", { userId: missingId() }, admin)).code).toBe(
      "USER_NOT_FOUND",
    );
  });
});

describe("deleteUser", () => {
  it("erases the person: row anonymised, login history gone, sessions ended, email free again", async () => {
    const email = uniqueEmail("erase");
    // An attempt before the account existed: kept under the email only.
    await server.client.request(op("Login"), { input: { email, password: PASSWORD } });
    const target = await registerUser(server.client, {
      email,
      phone: "+82 10-1234-5678",
      businessType: "Retail",
      businessNumber: "123-45-67891",
      industry: "Books",
      region: "Seoul",
    });
    await server.client.request(op("Login"), { input: { email, password: "Wr0ng!password" } });
    const before = await server.container.db.user.findUniqueOrThrow({ where: { id: target.user.id } });

    const response = await call("DeleteUser", { userId: target.user.id }, admin);
    expect(response.data?.deleteUser).toBe(true);

    expect(errorOf(await me(target)).code).toBe("UNAUTHENTICATED");
    const row = await server.container.db.user.findUniqueOrThrow({ where: { id: target.user.id } });
    expect(row).toMatchObject({
      email: `deleted_${target.user.id}@deleted.invalid`,
      name: "Deleted User",
      phone: null,
      businessType: null,
      businessNumber: null,
      industry: null,
      region: null,
      isActive: false,
      role: "USER",
    });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row.passwordHash).not.toBe(before.passwordHash);
    expect(
      await server.container.db.loginHistory.count({
        where: { OR: [{ userId: target.user.id }, { email }] },
      }),
    ).toBe(0);
    expect((await outboxEvents(server, target.user.id)).map((e) => e.eventType)).toEqual(
      expect.arrayContaining(["user.deleted", "user.logged_out"]),
    );
    expect((await outboxEvents(server, target.user.id, "user.logged_out"))[0]?.data.reason).toBe(
      "ACCOUNT_DELETED",
    );
    expect(await auditEntries(server, target.user.id)).toEqual([
      expect.objectContaining({ action: "USER_DELETED", actorId: admin.user.id, details: { role: "USER" } }),
    ]);

    // Admins still see who an audit entry was about, anonymised; the list no longer shows them.
    expect((await call("User", { id: target.user.id }, admin)).data?.user).toMatchObject({
      name: "Deleted User",
      isActive: false,
    });
    const listed = await call("Users", { filter: { search: "deleted_" + target.user.id } }, admin);
    expect(listed.data?.users.totalCount).toBe(0);

    const again = await registerUser(server.client, { email });
    expect(again.user.id).not.toBe(target.user.id);
    expect(errorOf(await call("DeleteUser", { userId: target.user.id }, admin)).code).toBe("USER_NOT_FOUND");
  });

  it("refuses an admin's own account and is closed to moderators", async () => {
    expect(errorOf(await call("DeleteUser", { userId: admin.user.id }, admin))).toMatchObject({
      code: "FORBIDDEN",
      reason: "SELF_CHANGE",
    });
    const target = await registerUser(server.client);
    expect(errorOf(await call("DeleteUser", { userId: target.user.id }, moderator)).code).toBe("FORBIDDEN");
    expect((await me(target)).errors).toBeUndefined();
  });
});
