import { randomBytes } from "node:crypto";
import { createAdmin, createUserWithRole, missingId, PASSWORD, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
let admin: Session;
beforeAll(async () => {
  server = await startTestServer();
  admin = await createAdmin(server);
});
afterAll(() => server.stop());

const users = (variables: Record<string, unknown>, as: Session = admin) =>
  server.client.request(op("Users"), variables, { token: as.accessToken });

/** A word no other test's users carry, so filters here see only this test's users. */
const marker = () => `m${randomBytes(5).toString("hex")}`;

async function create(tag: string, name: string, extra: Record<string, unknown> = {}) {
  const input = {
    email: `${tag}.${randomBytes(3).toString("hex")}@example.com`,
    password: PASSWORD,
    name,
    ...extra,
  };
  const response = await server.client.request(
    op("AdminCreateUser"),
    { input },
    { token: admin.accessToken },
  );
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.adminCreateUser as { id: string; email: string; name: string };
}

/** Pages through `users` with `variables`, running `between` after each page; returns the ids. */
async function pageThrough(
  variables: Record<string, unknown>,
  between: (page: number) => Promise<void> = async () => undefined,
) {
  const ids: string[] = [];
  let after: string | undefined;
  for (let page = 1; page < 20; page++) {
    const response = await users({ ...variables, after });
    expect(response.errors).toBeUndefined();
    const { edges, pageInfo } = response.data!.users;
    ids.push(...edges.map((e: any) => e.node.id));
    expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
    if (!pageInfo.hasNextPage) return ids;
    after = pageInfo.endCursor;
    await between(page);
  }
  throw new Error("too many pages");
}

describe("users", () => {
  it("filters by role, active, verified, search text and creation time", async () => {
    const tag = marker();
    const a = await create(tag, "Alice Example", { role: "MODERATOR", isVerified: true });
    const b = await create(tag, `Bob ${tag.toUpperCase()}`);
    const c = await create(tag, "Carol Example");
    await server.client.request(
      op("SetUserActive"),
      { userId: c.id, active: false },
      { token: admin.accessToken },
    );
    const idsOf = async (filter: Record<string, unknown>) => {
      const response = await users({ filter: { search: tag, ...filter } });
      expect(response.errors).toBeUndefined();
      const page = response.data!.users;
      expect(page.totalCount).toBe(page.edges.length);
      return page.edges.map((e: any) => e.node.id).sort();
    };

    expect(await idsOf({})).toEqual([a.id, b.id, c.id].sort());
    expect(await idsOf({ role: "MODERATOR" })).toEqual([a.id]);
    expect(await idsOf({ isVerified: true })).toEqual([a.id]);
    expect(await idsOf({ isActive: false })).toEqual([c.id]);
    expect(await idsOf({ isActive: true, role: "USER" })).toEqual([b.id]);
    // The search covers the name too, without regard to case.
    expect(await idsOf({ search: `bob ${tag}` })).toEqual([b.id]);
    expect(await idsOf({ search: `${tag}.`.toUpperCase() })).toEqual([a.id, b.id, c.id].sort());

    const rows = await server.container.db.user.findMany({ where: { id: { in: [a.id, b.id, c.id] } } });
    const createdAt = new Map(rows.map((r) => [r.id, r.createdAt.toISOString()]));
    expect(await idsOf({ createdAfter: createdAt.get(b.id) })).toEqual([b.id, c.id].sort());
    expect(await idsOf({ createdBefore: createdAt.get(b.id) })).toEqual([a.id]);
  });

  it("treats search text literally: % and _ are not wildcards", async () => {
    const tag = marker();
    await create(tag, "Percent Less");
    expect((await users({ filter: { search: `${tag}%` } })).data!.users.totalCount).toBe(0);
    expect((await users({ filter: { search: `${tag.slice(0, 3)}_` } })).data!.users.totalCount).toBe(0);
  });

  it("pages oldest first without gaps or repeats while users are added between pages", async () => {
    const tag = marker();
    const first = [];
    for (let i = 0; i < 5; i++) first.push(await create(tag, `Asc ${i}`));
    const added: string[] = [];
    const ids = await pageThrough(
      { filter: { search: tag }, first: 2, orderBy: { field: "CREATED_AT", direction: "ASC" } },
      async (page) => {
        if (page <= 2) added.push((await create(tag, `Late ${page}`)).id);
      },
    );
    // Users added later sort after every cursor so far: the walk meets them at the end.
    expect(ids).toEqual([...first.map((u) => u.id), ...added]);
  });

  it("pages newest first without gaps or repeats while users are added between pages", async () => {
    const tag = marker();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await create(tag, `Desc ${i}`));
    const ids = await pageThrough({ filter: { search: tag }, first: 2 }, async () => {
      await create(tag, "Newer than the first page");
    });
    // Newer users belong before the first page; the walk continues where it was, missing none.
    expect(ids).toEqual(created.map((u) => u.id).reverse());
    expect((await users({ filter: { search: tag }, first: 1 })).data!.users.totalCount).toBe(7);
  });

  it("orders by name or email, ties broken by id", async () => {
    const tag = marker();
    const names = ["Delta", "alpha", "Charlie", "bravo", "Delta"];
    const made = [];
    for (const name of names) made.push(await create(tag, `${name} ${tag}`));
    const byName = await pageThrough({
      filter: { search: tag },
      first: 2,
      orderBy: { field: "NAME", direction: "ASC" },
    });
    const rows = await server.container.db.user.findMany({
      where: { id: { in: made.map((u) => u.id) } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    });
    expect(byName).toEqual(rows.map((r) => r.id));
    const byEmailDesc = await pageThrough({
      filter: { search: tag },
      first: 3,
      orderBy: { field: "EMAIL", direction: "DESC" },
    });
    expect(byEmailDesc).toEqual([...made].sort((x, y) => (x.email < y.email ? 1 : -1)).map((u) => u.id));
  });

  it("caps first at 100 and refuses cursors it did not make for this order", async () => {
    expect(errorOf(await users({ first: 101 }))).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { first: expect.stringMatching(/100/) },
    });
    expect(errorOf(await users({ first: 0 })).code).toBe("BAD_USER_INPUT");
    expect((await users({ first: 100 })).errors).toBeUndefined();

    expect(errorOf(await users({ after: "bm90IGEgY3Vyc29y" })).code).toBe("BAD_USER_INPUT");
    const page = (await users({ first: 1 })).data!.users;
    const other = await users({ first: 1, after: page.pageInfo.endCursor, orderBy: { field: "EMAIL" } });
    expect(errorOf(other)).toMatchObject({ code: "BAD_USER_INPUT", fields: { after: expect.any(String) } });
  });

  it("is open to moderators, with contact fields", async () => {
    const moderator = await createUserWithRole(server, "MODERATOR", admin);
    const tag = marker();
    const target = await create(tag, "Seen By Moderator");
    const response = await users({ filter: { search: tag } }, moderator);
    expect(response.data?.users.edges[0].node).toMatchObject({ id: target.id, email: target.email });
  });
});

describe("user", () => {
  it("returns one user with staff fields, or null for an unknown or malformed id", async () => {
    const target = await create(marker(), "Looked Up");
    const response = await server.client.request(op("User"), { id: target.id }, { token: admin.accessToken });
    expect(response.data?.user).toMatchObject({ id: target.id, email: target.email, lockedUntil: null });
    for (const id of [missingId(), "nope"]) {
      const missing = await server.client.request(op("User"), { id }, { token: admin.accessToken });
      expect(missing).toMatchObject({ data: { user: null } });
      expect(missing.errors).toBeUndefined();
    }
  });
});
