import { RedisKeys } from "../../src/infra/redis.keys";
import { randomUUID } from "node:crypto";
import type { Prisma } from "../../src/generated/prisma/client";
import {
  MeDocument,
  SubgraphSdlDocument,
  UserEntitiesDocument,
  UserEntitiesWithContactDocument,
} from "../generated/graphql";
import { registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The subgraph as a router sees it: `_service` and `_entities` over HTTP, with the caller's
 * Authorization header forwarded, behind the same permission rules as every other field.
 */
let server: TestServer;
let alice: Session;
let others: Session[];
const statements: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  alice = await registerUser(server.client, { phone: "010-1234-5678" });
  others = await Promise.all(
    [1, 2, 3, 4].map((n) => registerUser(server.client, { name: `Other ${n}`, phone: `010-0000-000${n}` })),
  );
  server.container.db.$on("query" as never, (event: Prisma.QueryEvent) => statements.push(event.query));
});
afterAll(() => server.stop());

const ref = (id: string) => ({ __typename: "User", id });

/** The SQL statements the server ran while `work` ran. */
async function sqlDuring<T>(work: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const start = statements.length;
  const result = await work();
  return { result, sql: statements.slice(start) };
}

describe("_entities", () => {
  it("resolves many users in one SQL statement, in the order asked, null for unknown ids", async () => {
    // Warm the caller's own profile cache, so the request itself needs no SQL.
    await server.client.request(MeDocument, {}, { token: alice.accessToken });
    const representations = [
      ...others.map((o) => ref(o.user.id)),
      ref(randomUUID()),
      ref("not-a-uuid"),
      ref(alice.user.id),
    ];
    const { result, sql } = await sqlDuring(() =>
      server.client.request(UserEntitiesDocument, { representations }, { token: alice.accessToken }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      ...others.map((o, i) => ({ id: o.user.id, name: `Other ${i + 1}`, role: "USER" })),
      null,
      null,
      { id: alice.user.id, name: "Test User", role: "USER" },
    ]);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/SELECT .* FROM "public"\."User" WHERE "public"\."User"\."id" IN/);
  });

  it("lets a caller read their own contact fields and no one else's", async () => {
    const [bob] = others;
    const response = await server.client.request(
      UserEntitiesWithContactDocument,
      { representations: [ref(alice.user.id), ref(bob!.user.id)] },
      { token: alice.accessToken },
    );
    expect(response.data?._entities[0]).toEqual({
      id: alice.user.id,
      name: "Test User",
      phone: "010-1234-5678",
      email: alice.user.email,
    });
    // email is non-null, so the denied user's entry is null as a whole: nothing of it leaks
    expect(response.data?._entities[1]).toBeNull();
    const denied = response.errors!.map((e) => [e.path?.join("."), e.extensions?.code]);
    expect(denied).toEqual(
      expect.arrayContaining([
        ["_entities.1.phone", "FORBIDDEN"],
        ["_entities.1.email", "FORBIDDEN"],
      ]),
    );
    expect(JSON.stringify(response)).not.toContain(bob!.user.email);
    expect(JSON.stringify(response)).not.toContain("010-0000-0001");
  });

  it("shows contact fields to MODERATOR and ADMIN, as directly", async () => {
    const [bob, carol] = others;
    await server.container.db.user.update({ where: { id: carol!.user.id }, data: { role: "MODERATOR" } });
    await server.container.redis.del(RedisKeys.profile(carol!.user.id));
    const response = await server.client.request(
      UserEntitiesWithContactDocument,
      { representations: [ref(bob!.user.id)] },
      { token: carol!.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([
      { id: bob!.user.id, name: "Other 1", phone: "010-0000-0001", email: bob!.user.email },
    ]);
  });

  it("answers UNAUTHENTICATED without a valid token", async () => {
    const representations = [ref(alice.user.id)];
    const anonymous = await server.client.request(UserEntitiesDocument, { representations });
    expect(anonymous.data ?? null).toBeNull();
    expect(errorOf(anonymous)).toMatchObject({ code: "UNAUTHENTICATED" });
    const forged = await server.client.request(UserEntitiesDocument, { representations }, { token: "x.y.z" });
    expect(errorOf(forged)).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
  });
});

describe("_service", () => {
  it("serves the subgraph SDL to anyone, with the federation link, @key and descriptions", async () => {
    const response = await server.client.request(SubgraphSdlDocument);
    const sdl = response.data!._service.sdl!;
    expect(sdl).toContain(
      '@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])',
    );
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(sdl).toContain('"""The signed-in user."""');
  });
});
