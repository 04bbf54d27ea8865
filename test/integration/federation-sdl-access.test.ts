import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ConfigError, loadConfig } from "../../src/config";
import { SubgraphSdlDocument } from "../generated/graphql";
import { silentLogger } from "../support/federation";
import { errorOf } from "../support/graphql-client";
import { testEnv, testServers, type TestServer } from "../support/test-server";

/**
 * `_service { sdl }` serves the whole schema, so FEDERATION_SDL_ACCESS decides who reads it:
 * anyone, a router that sends the shared secret, or no one. The router here is @apollo/gateway's
 * IntrospectAndCompose, which reads the SDL of each subgraph at start-up as Rover does.
 */

const SECRET = "router-secret-that-is-at-least-32-bytes!";
const HEADER = "x-federation-sdl-secret";
const server = testServers().start;

const readSdl = (target: TestServer, headers: Record<string, string> = {}) =>
  target.client.request(SubgraphSdlDocument, {}, { headers });

/** Starts @apollo/gateway over `target` alone, reading its SDL with `headers`; stops it again. */
async function introspectAndCompose(target: TestServer, headers?: Record<string, string>) {
  const gateway = new ApolloGateway({
    logger: silentLogger,
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [{ name: "identity", url: target.graphqlUrl }],
      introspectionHeaders: headers,
    }),
  });
  try {
    const { schema } = await gateway.load();
    return Object.keys(schema!.getQueryType()!.getFields());
  } finally {
    await gateway.stop();
  }
}

const expectRefused = (response: Awaited<ReturnType<typeof readSdl>>) => {
  expect(response.data ?? null).toBeNull();
  expect(errorOf(response)).toMatchObject({ code: "FORBIDDEN", reason: "FEDERATION_SDL_ACCESS" });
};

describe("open (the default where introspection is on: development, tests)", () => {
  it("serves the SDL to anyone, and a router composes from it", async () => {
    const open = await server();
    expect(open.container.config.federation.sdlAccess).toBe("open");
    expect((await readSdl(open)).data!._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(await introspectAndCompose(open)).toEqual(expect.arrayContaining(["me", "users"]));
  });
});

describe("secret", () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await server({
      NODE_ENV: "production",
      FEDERATION_SDL_ACCESS: "secret",
      FEDERATION_SDL_SECRET: SECRET,
    });
  });

  it("serves the SDL to the caller that sends the shared secret", async () => {
    expect((await readSdl(guarded, { [HEADER]: SECRET })).data!._service.sdl).toContain("type Query");
  });

  it("refuses anyone else: no header, a wrong one, the secret in another header", async () => {
    expectRefused(await readSdl(guarded));
    expectRefused(await readSdl(guarded, { [HEADER]: `${SECRET}x` }));
    expectRefused(await readSdl(guarded, { [HEADER]: SECRET.slice(0, -1) }));
    expectRefused(await readSdl(guarded, { authorization: `Bearer ${SECRET}` }));
  });

  it("lets a router that sends the header introspect and compose, and no other", async () => {
    expect(await introspectAndCompose(guarded, { [HEADER]: SECRET })).toEqual(
      expect.arrayContaining(["me", "users"]),
    );
    await expect(introspectAndCompose(guarded)).rejects.toThrow(/FEDERATION_SDL_ACCESS|not served/);
  });

  it("never writes the secret to the logs", () => {
    expect(guarded.rawLogs()).not.toContain(SECRET);
  });
});

describe("off (the default in production)", () => {
  it("serves the SDL to no one, whatever the caller sends", async () => {
    const closed = await server({ NODE_ENV: "production" });
    expect(closed.container.config.federation.sdlAccess).toBe("off");
    expectRefused(await readSdl(closed));
    expectRefused(await readSdl(closed, { [HEADER]: SECRET }));
    await expect(introspectAndCompose(closed)).rejects.toThrow();
  });

  it("can be chosen in development too", async () => {
    const closed = await server({ FEDERATION_SDL_ACCESS: "off" });
    expectRefused(await readSdl(closed));
  });

  it("is the only way to the SDL: the rest of the API is unchanged", async () => {
    const closed = await server({ FEDERATION_SDL_ACCESS: "off" });
    const response = await closed.client.request("{ __typename }");
    expect(response.data).toEqual({ __typename: "Query" });
  });
});

describe("configuration", () => {
  const config = (env: Record<string, string>) => () => loadConfig(testEnv(env));

  it("needs a secret of at least 32 bytes for `secret`", () => {
    expect(config({ FEDERATION_SDL_ACCESS: "secret" })).toThrow(
      /FEDERATION_SDL_SECRET: required when FEDERATION_SDL_ACCESS=secret/,
    );
    expect(config({ FEDERATION_SDL_ACCESS: "secret", FEDERATION_SDL_SECRET: "short" })).toThrow(
      /FEDERATION_SDL_SECRET: must be at least 32 bytes/,
    );
  });

  it("refuses a secret that would not be used, and unknown values", () => {
    expect(config({ FEDERATION_SDL_SECRET: SECRET })).toThrow(/only used when FEDERATION_SDL_ACCESS=secret/);
    expect(config({ FEDERATION_SDL_ACCESS: "public" })).toThrow(ConfigError);
  });

  it("follows GRAPHQL_INTROSPECTION when unset", () => {
    expect(loadConfig(testEnv({ GRAPHQL_INTROSPECTION: "false" })).federation.sdlAccess).toBe("off");
    expect(
      loadConfig(testEnv({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" })).federation.sdlAccess,
    ).toBe("open");
  });
});
