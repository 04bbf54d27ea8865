import { Client } from "pg";
import { ADMIN_CHANGES_LOCK } from "../../src/users/user-admin.repository";
import { createAdmin, createUserWithRole, registerUser, type Session } from "../support/factories";
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { op } from "../support/operations";
import { createMigratedDatabase } from "../support/test-db";
import { startTestServer, type TestServer } from "../support/test-server";

// The number of active admins is global state: these tests get a database of their own.
let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
let server: TestServer;
beforeAll(async () => {
  database = await createMigratedDatabase();
  server = await startTestServer({ DATABASE_URL: database.url });
});
afterAll(async () => {
  await server.stop();
  await database.drop();
});

const call = (name: string, variables: Record<string, unknown>, as: Session) =>
  server.client.request(op(name), variables, { token: as.accessToken });
const activeAdmins = () =>
  server.container.db.user.count({ where: { role: "ADMIN", isActive: true, deletedAt: null } });

/**
 * Holds the lock that admin changes take, so requests sent meanwhile queue up behind it in
 * order; `release` lets them through once `waiting` of them are queued.
 */
async function holdAdminLock() {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [ADMIN_CHANGES_LOCK]);
  const waiting = async () =>
    Number(
      (
        await client.query(
          "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
          [ADMIN_CHANGES_LOCK],
        )
      ).rows[0].count,
    );
  return {
    async untilWaiting(count: number) {
      while ((await waiting()) < count) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async release() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

describe("the last active ADMIN", () => {
  let first: Session;
  beforeAll(async () => {
    first = await createAdmin(server);
  });

  it("cannot be erased, even through the erasure service that deleteMyAccount uses", async () => {
    expect(await activeAdmins()).toBe(1);
    await expect(
      server.container.services.erasure.erase(first.user.id, { requestId: "test" }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      details: { reason: "LAST_ADMIN" },
      message: "The last active ADMIN cannot be deleted.",
    });
    expect((await call("Me", {}, first)).data?.me).toMatchObject({ role: "ADMIN", isActive: true });
  });

  it("survives two admins demoting each other at the same moment", async () => {
    const second = await createUserWithRole(server, "ADMIN", first);
    expect(await activeAdmins()).toBe(2);

    const lock = await holdAdminLock();
    const results = [
      call("SetUserRole", { userId: second.user.id, role: "USER" }, first),
      call("SetUserRole", { userId: first.user.id, role: "USER" }, second),
    ];
    await lock.untilWaiting(2);
    await lock.release();
    const [a, b] = await Promise.all(results);

    const outcomes = [a!, b!].map((r: GraphQLResponse) => (r.errors ? errorOf(r) : "ok"));
    expect(outcomes).toContain("ok");
    // The second runs after the first, under the lock: its actor is no longer an ADMIN, which is
    // judged before anything else (and had it still been one, LAST_ADMIN would refuse).
    expect(outcomes).toContainEqual(expect.objectContaining({ code: "FORBIDDEN", reason: "ACTOR_CHANGED" }));
    expect(await activeAdmins()).toBe(1);
    first = a!.errors ? second : first;
  });

  it("re-checks the actor: an admin demoted while their request waited is refused", async () => {
    const other = await createUserWithRole(server, "ADMIN", first);
    const target = await registerUser(server.client);

    const lock = await holdAdminLock();
    const demotion = call("SetUserRole", { userId: other.user.id, role: "USER" }, first);
    await lock.untilWaiting(1);
    const late = call("SetUserActive", { userId: target.user.id, active: false }, other);
    await lock.untilWaiting(2);
    await lock.release();

    expect((await demotion).errors).toBeUndefined();
    expect(errorOf(await late)).toMatchObject({ code: "FORBIDDEN", reason: "ACTOR_CHANGED" });
    expect((await call("Me", {}, target)).data?.me.isActive).toBe(true);
  });

  it("judges the actor as re-read under the lock: an ADMIN demoted to MODERATOR while waiting cannot disable an ADMIN", async () => {
    const demoted = await createUserWithRole(server, "ADMIN", first);
    const target = await createUserWithRole(server, "ADMIN", first);

    const lock = await holdAdminLock();
    const demotion = call("SetUserRole", { userId: demoted.user.id, role: "MODERATOR" }, first);
    await lock.untilWaiting(1);
    // Sent as an ADMIN; runs after the demotion, as a MODERATOR.
    const late = call("SetUserActive", { userId: target.user.id, active: false }, demoted);
    await lock.untilWaiting(2);
    await lock.release();

    expect((await demotion).errors).toBeUndefined();
    expect(errorOf(await late)).toMatchObject({ code: "FORBIDDEN", reason: "MODERATOR_SCOPE" });
    expect((await call("Me", {}, target)).data?.me).toMatchObject({ role: "ADMIN", isActive: true });
  });
});
