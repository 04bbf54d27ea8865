import { randomBytes } from "node:crypto";
import { createAdmin, login, PASSWORD, registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { auditEntries, outboxEvents } from "../support/records";
import { sqlRecorder } from "../support/sql-counter";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: "true" });
});
afterAll(() => server.stop());

const as = (session: Session, name: string, variables: Record<string, unknown> = {}) =>
  server.client.request(op(name), variables, {
    token: session.accessToken,
    headers: { "x-forwarded-for": "192.0.2.44" },
  });

async function createUsers(admin: Session, count: number) {
  const created = [];
  for (let i = 0; i < count; i++) {
    const input = {
      email: `audited.${randomBytes(5).toString("hex")}@example.com`,
      password: PASSWORD,
      name: `Audited ${i}`,
    };
    const response = await as(admin, "AdminCreateUser", { input });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    created.push(response.data!.adminCreateUser as { id: string; email: string });
  }
  return created;
}

describe("auditLog", () => {
  it("pages an admin's actions newest first, filtered by actor, target, action and time", async () => {
    const admin = await createAdmin(server);
    const [a, b] = await createUsers(admin, 2);
    await as(admin, "SetUserRole", { userId: a!.id, role: "MODERATOR" });
    await as(admin, "SetUserActive", { userId: b!.id, active: false });
    const mine = { actorId: admin.user.id };

    const all = await as(admin, "AuditLog", { filter: mine });
    expect(all.errors).toBeUndefined();
    const nodes = all.data!.auditLog.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.action, n.targetId])).toEqual([
      ["USER_DISABLED", b!.id],
      ["ROLE_CHANGED", a!.id],
      ["USER_CREATED", b!.id],
      ["USER_CREATED", a!.id],
    ]);
    expect(nodes[1]).toMatchObject({
      actorId: admin.user.id,
      details: { oldRole: "USER", newRole: "MODERATOR" },
      ipAddress: "192.0.2.44",
      requestId: expect.any(String),
    });

    const ids = async (filter: Record<string, unknown>, first?: number) =>
      (await as(admin, "AuditLog", { filter: { ...mine, ...filter }, first })).data!.auditLog.edges.map(
        (e: any) => e.node.id,
      );
    expect(await ids({ action: "ROLE_CHANGED" })).toEqual([nodes[1].id]);
    expect(await ids({ targetId: b!.id })).toEqual([nodes[0].id, nodes[2].id]);
    expect(await ids({ createdAfter: nodes[1].createdAt })).toEqual([nodes[0].id, nodes[1].id]);
    expect(await ids({ createdBefore: nodes[1].createdAt })).toEqual([nodes[2].id, nodes[3].id]);

    const first = (await as(admin, "AuditLog", { filter: mine, first: 3 })).data!.auditLog;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await as(admin, "AuditLog", { filter: mine, first: 3, after: first.pageInfo.endCursor }))
      .data!.auditLog;
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...rest.edges].map((e: any) => e.node.id)).toEqual(nodes.map((n: any) => n.id));

    expect(errorOf(await as(admin, "AuditLog", { first: 101 })).code).toBe("BAD_USER_INPUT");
    expect(errorOf(await as(admin, "AuditLog", { filter: { actorId: "nope" } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "filter.actorId": "is not a user id" },
    });
  });

  it("resolves actor and target, and shows the system (admin:create) as no actor", async () => {
    const admin = await createAdmin(server);
    const response = await as(admin, "AuditLogWithUsers", { filter: { targetId: admin.user.id } });
    expect(response.errors).toBeUndefined();
    expect(response.data!.auditLog.edges.map((e: any) => e.node)).toEqual([
      expect.objectContaining({
        action: "USER_CREATED",
        actorId: null,
        actor: null,
        target: expect.objectContaining({ id: admin.user.id, email: admin.user.email }),
        details: { role: "ADMIN", isVerified: true },
      }),
    ]);
  });

  it("loads actors and targets in batches: the SQL statements do not grow with the page", async () => {
    const admin = await createAdmin(server);
    await createUsers(admin, 50);
    const recorder = sqlRecorder(server);
    const page = async (first: number) => {
      const { result, statements } = await recorder.during(() =>
        as(admin, "AuditLogWithUsers", { filter: { actorId: admin.user.id }, first }),
      );
      expect(result.errors).toBeUndefined();
      const nodes = result.data!.auditLog.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(first);
      for (const node of nodes) {
        expect(node.actor.id).toBe(admin.user.id);
        expect(node.target.id).toBe(node.targetId);
      }
      return statements;
    };

    const five = await page(5);
    const fifty = await page(50);
    // One for the entries, one for all actors and targets (their lockout state is one Redis
    // round trip: auth/lockout.ts).
    expect(fifty).toHaveLength(2);
    expect(fifty.length).toBe(five.length);
  });

  it("is ADMIN only", async () => {
    const user = await registerUser(server.client);
    expect(errorOf(await as(user, "AuditLog"))).toEqual({
      code: "FORBIDDEN",
      message: "You are not allowed to do this.",
    });
    expect(errorOf(await server.client.request(op("AuditLog"))).code).toBe("UNAUTHENTICATED");
  });
});

describe("audit entries and their change", () => {
  /**
   * Makes PostgreSQL refuse, at COMMIT, any transaction that writes an audit entry about
   * `targetId`: the entry and the change were both written when the commit fails.
   */
  async function refuseCommitsAbout(targetId: string): Promise<() => Promise<void>> {
    const name = `refuse_audit_${randomBytes(4).toString("hex")}`;
    const db = server.container.db;
    await db.$executeRawUnsafe(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."targetId" = '${targetId}' THEN RAISE EXCEPTION 'commit refused by the test'; END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(`
      CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT ON "AuditEntry"
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    return async () => {
      await db.$executeRawUnsafe(`DROP TRIGGER ${name} ON "AuditEntry"`);
      await db.$executeRawUnsafe(`DROP FUNCTION ${name}()`);
    };
  }

  it("are written with the change and rolled back with it", async () => {
    const admin = await createAdmin(server);
    const target = await registerUser(server.client, { phone: "010-1234-5678" });
    await login(server.client, target.user.email);
    const undo = await refuseCommitsAbout(target.user.id);
    try {
      const role = await as(admin, "SetUserRole", { userId: target.user.id, role: "MODERATOR" });
      expect(errorOf(role)).toEqual({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error." });
      const erase = await as(admin, "DeleteUser", { userId: target.user.id });
      expect(errorOf(erase).code).toBe("INTERNAL_SERVER_ERROR");
    } finally {
      await undo();
    }

    const row = await server.container.db.user.findUniqueOrThrow({ where: { id: target.user.id } });
    expect(row).toMatchObject({
      role: "USER",
      email: target.user.email,
      phone: "010-1234-5678",
      deletedAt: null,
    });
    expect(await server.container.db.loginHistory.count({ where: { userId: target.user.id } })).toBe(1);
    expect(await auditEntries(server, target.user.id)).toHaveLength(0);
    const events = (await outboxEvents(server, target.user.id)).map((e) => e.eventType);
    expect(events).not.toContain("user.role_changed");
    expect(events).not.toContain("user.deleted");

    // The same change goes through once the database accepts it, entry and all.
    expect(
      (await as(admin, "SetUserRole", { userId: target.user.id, role: "MODERATOR" })).errors,
    ).toBeUndefined();
    expect((await auditEntries(server, target.user.id)).map((e) => e.action)).toEqual(["ROLE_CHANGED"]);
  });
});
