import type { IncomingMessage } from "node:http";
import { CloseCode, DEPRECATED_GRAPHQL_WS_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL } from "graphql-ws";
import type { WebSocketServer } from "ws";

/**
 * What the WebSocket handshake decides before graphql-ws takes over: which subprotocol a client
 * gets, and where a connection's token comes from.
 */

/** The close reason for a client that does not speak graphql-ws' protocol (at most 123 bytes). */
export const UNSUPPORTED_PROTOCOL_REASON = `Unsupported WebSocket subprotocol: use ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (the graphql-ws library)`;
export const LEGACY_PROTOCOL_REASON = `subscriptions-transport-ws is not supported: use ${GRAPHQL_TRANSPORT_WS_PROTOCOL} (the graphql-ws library)`;

/**
 * The subprotocol to answer with. graphql-ws' own choice refuses the legacy `graphql-ws`
 * subprotocol (subscriptions-transport-ws) in the handshake, so the client only sees the
 * connection fail (1006) and never learns why. It is accepted here so that the refusal can come
 * as a close frame with a reason (`refuseUnsupportedClients`).
 */
export function selectSubprotocol(offered: Set<string>): string | false {
  if (offered.has(GRAPHQL_TRANSPORT_WS_PROTOCOL)) return GRAPHQL_TRANSPORT_WS_PROTOCOL;
  if (offered.has(DEPRECATED_GRAPHQL_WS_PROTOCOL)) return DEPRECATED_GRAPHQL_WS_PROTOCOL;
  return false;
}

/**
 * Closes, with 4406 and a reason naming the protocol to use, every connection that did not get
 * graphql-ws' protocol, before graphql-ws sees it (its listener comes after this one and finds the
 * socket already closing). Call after `useServer`, which sets its own `handleProtocols`.
 */
export function refuseUnsupportedClients(wsServer: WebSocketServer): void {
  wsServer.options.handleProtocols = selectSubprotocol;
  wsServer.prependListener("connection", (socket) => {
    if (socket.protocol === GRAPHQL_TRANSPORT_WS_PROTOCOL) return;
    const legacy = socket.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL;
    socket.close(
      CloseCode.SubprotocolNotAcceptable,
      legacy ? LEGACY_PROTOCOL_REASON : UNSUPPORTED_PROTOCOL_REASON,
    );
  });
}

function stringParam(params: Record<string, unknown> | undefined, ...names: string[]) {
  for (const name of names) {
    const value = params?.[name];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/**
 * The `Authorization` value a connection authenticates with, verified by the same Authenticator
 * as HTTP requests:
 *
 * - from `connection_init`'s payload: `authorization` (what browsers send: they cannot set
 *   headers on a WebSocket), or `token`, the key under which the Apollo Router puts the
 *   Authorization header it propagates;
 * - otherwise from the upgrade request's `Authorization` header, where routers such as Hive
 *   Gateway and Hive Router forward the caller's token.
 *
 * The payload wins when both are present: it is what the client itself chose to send.
 */
export function connectionAuthorization(
  params: Record<string, unknown> | undefined,
  upgrade: IncomingMessage,
): string | undefined {
  return stringParam(params, "authorization", "Authorization", "token") ?? upgrade.headers.authorization;
}
