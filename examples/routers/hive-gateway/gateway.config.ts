// Hive Gateway in front of the identity gateway (docs/federation.md). With the Hive Gateway CLI,
// put this file next to supergraph.graphql and run `npx hive-gateway supergraph`; the CLI loads
// `gatewayConfig` from gateway.config.ts. test/integration/router-hive-gateway.test.ts runs
// exactly these settings on Hive Gateway's runtime (@graphql-hive/gateway-runtime).
import type { GatewayConfigSupergraph } from "@graphql-hive/gateway-runtime";

/** The subgraph name of the identity gateway in the supergraph (supergraph.yaml / composition). */
const IDENTITY = "identity";

/**
 * Subscriptions to the identity subgraph go over graphql-ws on its own /graphql path, with the
 * caller's token in `connection_init` (as a browser would send it). Hive Gateway's default is
 * HTTP, which the identity gateway does not serve for subscriptions.
 *
 * `{context.headers.authorization}` is the caller's Authorization header, or, for a client that
 * subscribed over WebSocket to Hive Gateway, the `authorization` of its own `connection_init`.
 */
export const subscriptionsViaConnectionInit = {
  kind: "ws",
  location: "/graphql",
  options: { connectionParams: { authorization: "{context.headers.authorization}" } },
};

/** The same, with the token on the upgrade request instead (the identity gateway takes either). */
export const subscriptionsViaUpgradeHeader = {
  kind: "ws",
  location: "/graphql",
  headers: [["authorization", "{context.headers.authorization}"]],
};

export const gatewayConfig = {
  // Every subgraph sees the caller's token (the identity gateway checks every field against it),
  // and the client's address and user agent for its login history (set TRUST_PROXY on the
  // identity gateway to trust the router's X-Forwarded-For).
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get("authorization"),
      "user-agent": request.headers.get("user-agent"),
      "x-forwarded-for": request.headers.get("x-forwarded-for"),
    }),
  },
  transportEntries: {
    [IDENTITY]: { options: { subscriptions: subscriptionsViaConnectionInit } },
  },
} satisfies Partial<GatewayConfigSupergraph>;
