import {
  gatewayConfig,
  subscriptionsViaUpgradeHeader,
} from "../../examples/routers/hive-gateway/gateway.config";
import { SubgraphSdlDocument } from "../generated/graphql";
import { registerUser, type Session } from "../support/factories";
import { composeSupergraph } from "../support/federation";
import { errorOf } from "../support/graphql-client";
import { startHiveGateway, type HiveGateway } from "../support/hive-gateway";
import { rsaKeyPair } from "../support/keys";
import { op } from "../support/operations";
import { POLICIES_SDL, startPoliciesSubgraph, type PoliciesSubgraph } from "../support/policies-subgraph";
import { startTestServer, type TestServer } from "../support/test-server";
import {
  channels,
  closeAllWs,
  pollUntil,
  receivesNextSignIn,
  TestWsClient,
  untilListening,
} from "../support/ws-client";

/**
 * Hive Gateway (its npm runtime) as the router in front of this gateway and the policies
 * subgraph, configured exactly as examples/routers/hive-gateway/gateway.config.ts (the file
 * docs/federation.md shows): queries with the caller's token propagated, and subscriptions over
 * graphql-ws with the token mapped into connection_init, or onto the upgrade request.
 */

let identity: TestServer;
let policies: PoliciesSubgraph;
let supergraph: string;
let router: HiveGateway;
let alice: Session;
const routers: HiveGateway[] = [];

async function hive(config: Parameters<typeof startHiveGateway>[1]): Promise<HiveGateway> {
  const started = await startHiveGateway(supergraph, config);
  routers.push(started);
  return started;
}

beforeAll(async () => {
  identity = await startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEY: rsaKeyPair().privateKey });
  policies = await startPoliciesSubgraph({
    jwksUrl: `${identity.url}/.well-known/jwks.json`,
    issuer: "aegis-identity-gateway",
    audience: "aegis",
  });
  const sdl = (await identity.client.request(SubgraphSdlDocument)).data!._service.sdl!;
  supergraph = composeSupergraph(
    [
      { name: "identity", url: identity.graphqlUrl, sdl },
      { name: "policies", url: policies.url, sdl: POLICIES_SDL },
    ],
    "the-guild",
  );
  router = await hive(gatewayConfig);
  alice = await registerUser(identity.client, { name: "Alice Kim" });
  policies.policies.set(alice.user.id, [
    { id: "p-1", title: "Home insurance", sharedWith: [] },
    { id: "p-2", title: "Car insurance", sharedWith: [] },
  ]);
}, 60_000);
afterEach(closeAllWs);
afterAll(async () => {
  await Promise.all(routers.map((r) => r.stop()));
  await Promise.all([policies?.stop(), identity?.stop()]);
});

const refusals = () => identity.logs.filter((l) => l.msg === "websocket connection refused").length;

/** A graphql-ws client of the router, as a browser would connect to it. */
function subscribeThroughRouter(target: HiveGateway, token: string) {
  const ws = new TestWsClient(target.url.replace(/^http/, "ws"), { authorization: `Bearer ${token}` });
  return ws;
}

describe("queries through Hive Gateway", () => {
  it("answer across both subgraphs, with the caller's token propagated to each", async () => {
    const before = policies.authorizations.length;
    const response = await router.client.request(
      op("MyPolicyPage"),
      { first: 1 },
      { token: alice.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.me).toEqual({
      id: alice.user.id,
      policyPage: {
        edges: [{ cursor: "0", node: { id: "p-1", title: "Home insurance" } }],
        pageInfo: { hasNextPage: true, hasPreviousPage: false, endCursor: "0" },
      },
    });
    expect(policies.authorizations.slice(before)).toEqual([`Bearer ${alice.accessToken}`]);
  });

  it("pass our errors through: no token is UNAUTHENTICATED from the identity subgraph", async () => {
    const response = await router.client.request(op("MyPolicies"));
    expect(errorOf(response).code).toBe("UNAUTHENTICATED");
  });
});

describe("subscriptions through Hive Gateway over graphql-ws", () => {
  it("deliver the caller's own session events (token mapped into connection_init)", async () => {
    const ws = subscribeThroughRouter(router, alice.accessToken);
    expect(await receivesNextSignIn(ws, identity, alice.user)).toMatchObject({ userId: alice.user.id });
  });

  it("deliver them with the token on the upgrade request instead", async () => {
    const viaHeader = await hive({
      ...gatewayConfig,
      transportEntries: { identity: { options: { subscriptions: subscriptionsViaUpgradeHeader } } },
    });
    const bob = await registerUser(identity.client);
    const ws = subscribeThroughRouter(viaHeader, bob.accessToken);
    expect(await receivesNextSignIn(ws, identity, bob.user)).toMatchObject({ userId: bob.user.id });
  });

  it("deliver the revocation of the caller's session, then lose the router's connection (4403)", async () => {
    const carol = await registerUser(identity.client);
    const ws = subscribeThroughRouter(router, carol.accessToken);
    const events = ws.subscribe("SessionEvents");
    await untilListening(identity, channels(identity).sessionEvents(carol.user.id));
    await identity.client.request(op("Logout"), {}, { token: carol.accessToken });
    const [revoked] = await events.next(1, (e) => e.type === "SESSION_REVOKED");
    expect(revoked).toMatchObject({ userId: carol.user.id, reason: "LOGOUT" });
    // The identity gateway closes the router's upstream socket. Hive Gateway's graphql-ws client
    // would retry with the same token (refused each time) before ending the subscription, so a
    // client reacts to SESSION_REVOKED itself and unsubscribes (docs/frontend.md).
    events.unsubscribe();
    await pollUntil(
      async () =>
        identity.logs.some(
          (l) => l.msg === "closing websocket connection" && l.reason === "SESSION_NOT_FOUND",
        ),
      "the identity gateway to close the router's connection",
    );
  });

  it("are refused without a token: the identity gateway never accepts the router's connection", async () => {
    const refusedBefore = refusals();
    const ws = new TestWsClient(router.url.replace(/^http/, "ws"));
    const events = ws.subscribe("SessionEvents");
    await pollUntil(async () => refusals() > refusedBefore, "the identity gateway to refuse the connection");
    expect(events.events).toEqual([]);
  });

  it("fail without the graphql-ws setting: Hive Gateway's default HTTP transport is not served", async () => {
    const defaults = await hive({ propagateHeaders: gatewayConfig.propagateHeaders });
    const ws = subscribeThroughRouter(defaults, alice.accessToken);
    const events = ws.subscribe("SessionEvents");
    await events.end();
    expect(events.events).toEqual([]);
    // Over HTTP the identity gateway serves queries and mutations only.
    expect(events.results[0]?.errors?.[0]).toMatchObject({ extensions: { serviceName: "identity" } });
  });
});
