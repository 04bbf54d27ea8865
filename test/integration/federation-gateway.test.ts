import { readFileSync } from "node:fs";
import path from "node:path";
import jwt from "jsonwebtoken";
import { SubgraphSdlDocument } from "../generated/graphql";
import { registerUser, type Session } from "../support/factories";
import { composeSupergraph, startGateway, type TestGateway } from "../support/federation";
import { errorOf } from "../support/graphql-client";
import { rsaKeyPair } from "../support/keys";
import { op } from "../support/operations";
import { POLICIES_SDL, startPoliciesSubgraph, type PoliciesSubgraph } from "../support/policies-subgraph";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * A real federated graph in one process: this gateway's subgraph and another team's "policies"
 * subgraph, composed with @apollo/composition and served by @apollo/gateway, which forwards the
 * caller's Authorization header. The policies subgraph trusts our tokens through the JWKS alone.
 */
const gatewayKey = rsaKeyPair();
let identity: TestServer;
let policies: PoliciesSubgraph;
let gateway: TestGateway;
let supergraphSdl: string;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  identity = await startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: gatewayKey.privateKey });
  policies = await startPoliciesSubgraph({
    jwksUrl: `${identity.url}/.well-known/jwks.json`,
    issuer: "aegis-identity-gateway",
    audience: "aegis",
  });
  // The SDL as a router's IntrospectAndCompose or `rover subgraph introspect` reads it.
  const sdl = (await identity.client.request(SubgraphSdlDocument)).data!._service.sdl!;
  supergraphSdl = composeSupergraph([
    { name: "identity", url: identity.graphqlUrl, sdl },
    { name: "policies", url: policies.url, sdl: POLICIES_SDL },
  ]);
  gateway = await startGateway(supergraphSdl);

  [alice, bob] = await Promise.all([
    registerUser(identity.client, { name: "Alice Kim" }),
    registerUser(identity.client, { name: "Bob Lee" }),
  ]);
  policies.policies.set(alice.user.id, [
    { id: "p-1", title: "Home insurance", sharedWith: [bob.user.id] },
    { id: "p-2", title: "Car insurance", sharedWith: [] },
  ]);
});
afterAll(() => Promise.all([gateway?.stop(), policies?.stop(), identity?.stop()]));

describe("composition", () => {
  it("composes User from both subgraphs", () => {
    expect(supergraphSdl).toMatch(
      /type User\s+@join__type\(graph: IDENTITY, key: "id"\)\s+@join__type\(graph: POLICIES, key: "id"\)/,
    );
    expect(supergraphSdl).toMatch(/policies: \[Policy!\]! @join__field\(graph: POLICIES\)/);
  });

  it("composes the committed schema.graphql as it is (the file Rover publishes)", () => {
    const committed = readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect(() =>
      composeSupergraph([
        { name: "identity", url: identity.graphqlUrl, sdl: committed },
        { name: "policies", url: policies.url, sdl: POLICIES_SDL },
      ]),
    ).not.toThrow();
  });

  it("fails on a composition error", () => {
    const clash = POLICIES_SDL.replace("policies: [Policy!]!", "policies: [Policy!]!\n    email: Int");
    expect(() =>
      composeSupergraph([
        {
          name: "identity",
          url: identity.graphqlUrl,
          sdl: readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8"),
        },
        { name: "policies", url: policies.url, sdl: clash },
      ]),
    ).toThrow(/composition failed/);
  });
});

describe("a query across both subgraphs", () => {
  it("answers me { id email policies { … } } with the caller's token forwarded to each subgraph", async () => {
    const before = policies.authorizations.length;
    const response = await gateway.client.request(op("MyPolicies"), {}, { token: alice.accessToken });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      me: {
        id: alice.user.id,
        email: alice.user.email,
        name: "Alice Kim",
        policies: [
          { id: "p-1", title: "Home insurance", sharedWith: [{ id: bob.user.id, name: "Bob Lee" }] },
          { id: "p-2", title: "Car insurance", sharedWith: [] },
        ],
      },
    });
    expect(policies.authorizations.slice(before)).toEqual([`Bearer ${alice.accessToken}`]);
    expect(policies.verifiedSubjects).toContain(alice.user.id);
  });

  it("pages through the other subgraph's Relay connection (its PageInfo next to ours)", async () => {
    const first = await gateway.client.request(
      op("MyPolicyPage"),
      { first: 1 },
      { token: alice.accessToken },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.me.policyPage).toEqual({
      edges: [{ cursor: "0", node: { id: "p-1", title: "Home insurance" } }],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, endCursor: "0" },
    });
    const next = await gateway.client.request(
      op("MyPolicyPage"),
      { first: 1, after: "0" },
      { token: alice.accessToken },
    );
    expect(next.data!.me.policyPage.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      endCursor: "1",
    });
  });

  it("does not hand another user's email over through entity resolution", async () => {
    const response = await gateway.client.request(
      op("MyPoliciesWithSharedContacts"),
      {},
      { token: alice.accessToken },
    );
    expect(JSON.stringify(response)).not.toContain(bob.user.email);
    expect(response.errors).toContainEqual(
      expect.objectContaining({
        path: ["me", "policies", 0, "sharedWith", 0, "email"],
        extensions: { code: "FORBIDDEN", serviceName: "identity" },
      }),
    );
    // email is non-null all the way up, so the denial empties the answer rather than leak
    expect(response.data ?? null).toBeNull();
  });

  it("refuses a caller without a valid token before asking the other subgraph", async () => {
    const before = policies.authorizations.length;
    const anonymous = await gateway.client.request(op("MyPolicies"));
    expect(anonymous.data ?? null).toBeNull();
    expect(errorOf(anonymous).code).toBe("UNAUTHENTICATED");
    const tampered = await gateway.client.request(op("MyPolicies"), {}, { token: `${alice.accessToken}x` });
    expect(errorOf(tampered)).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
    expect(policies.authorizations.length).toBe(before);
  });
});

describe("the other subgraph verifies tokens through the JWKS only", () => {
  const entityQuery = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { policies { id } } } }`;
  const askPolicies = (token: string) =>
    fetch(policies.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: entityQuery,
        variables: { r: [{ __typename: "User", id: alice.user.id }] },
      }),
    }).then((r) => r.json() as Promise<{ data?: any; errors?: Array<{ extensions?: { code?: string } }> }>);

  it("accepts the gateway's access token", async () => {
    const answer = await askPolicies(alice.accessToken);
    expect(answer.data._entities[0].policies.map((p: { id: string }) => p.id)).toEqual(["p-1", "p-2"]);
  });

  it("refuses a token with the right claims signed by a key the JWKS does not hold", async () => {
    const { header, payload } = jwt.decode(alice.accessToken, { complete: true }) as jwt.Jwt;
    const forged = jwt.sign(payload as object, rsaKeyPair().privateKey, {
      algorithm: "RS256",
      keyid: header.kid,
    });
    const answer = await askPolicies(forged);
    expect(answer.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses another user's token for alice's policies", async () => {
    const answer = await askPolicies(bob.accessToken);
    expect(answer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
