import { authExchange } from "@urql/exchange-auth";
import {
  Client,
  cacheExchange,
  fetchExchange,
  subscriptionExchange,
  type CombinedError,
  type Operation,
} from "@urql/core";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { GATEWAY_URL, GATEWAY_WS_URL } from "../config";
import { RefreshDocument, type TokensFragment } from "../generated/graphql";
import { Session } from "../auth/session";

/** graphql-ws' close code for a connection the gateway refused or ended (token, session). */
const FORBIDDEN = 4403;

/** Sign-up, sign-in and refresh: no token, so no authExchange in the way. */
export const anonymousClient = new Client({ url: GATEWAY_URL, exchanges: [fetchExchange] });

async function refreshCall(refreshToken: string): Promise<TokensFragment> {
  const result = await anonymousClient.mutation(RefreshDocument, { refreshToken }).toPromise();
  if (result.error || !result.data) throw result.error ?? new Error("no answer");
  return result.data.refreshToken;
}

export const session = new Session(refreshCall);

/** The Authorization header an operation was sent with, to know which token failed. */
function tokenOf(operation: Operation): string | undefined {
  const options = operation.context.fetchOptions;
  const headers = (typeof options === "function" ? options() : options)?.headers as
    | Record<string, string>
    | undefined;
  return headers?.authorization?.replace(/^Bearer /, "");
}

/** The gateway says the access token has expired (any other UNAUTHENTICATED is not ours to fix). */
function isExpiredToken(error: CombinedError): boolean {
  return error.graphQLErrors.some(
    (e) => e.extensions?.code === "UNAUTHENTICATED" && e.extensions?.reason === "TOKEN_EXPIRED",
  );
}

/**
 * Subscriptions over graphql-ws. The token goes in `connection_init` (browsers cannot set headers
 * on a WebSocket). The gateway closes the socket with 4403 when the token it connected with
 * expires or its session ends; graphql-ws then reconnects, calling `connectionParams` again,
 * which renews the token that failed first (the same single refresh as HTTP requests use). When
 * the session is over, renewing signs out and throws, which stops the client.
 */
function createSubscriptionClient(onLive: (live: boolean) => void): WsClient {
  let usedToken: string | undefined;
  let refused = false;
  return createWsClient({
    url: GATEWAY_WS_URL,
    connectionParams: async () => {
      const token = refused ? await session.renew(usedToken) : session.accessToken;
      if (!token) throw new Error("signed out");
      refused = false;
      usedToken = token;
      return { authorization: `Bearer ${token}` };
    },
    retryAttempts: 5,
    shouldRetry: () => session.current.status === "signed-in",
    on: {
      connected: () => onLive(true),
      closed: (event) => {
        onLive(false);
        if ((event as CloseEvent).code === FORBIDDEN) refused = true;
      },
    },
  });
}

/**
 * The app's urql client: queries as GET (urql's default; the gateway accepts a GET that carries
 * a token), mutations as POST, subscriptions over graphql-ws. `authExchange` adds the token,
 * refreshes before a request when this browser's clock says the token has expired, and after one
 * that the gateway answered TOKEN_EXPIRED (clocks disagree, a laptop woke up), then retries it.
 * Operations that fail while a refresh runs wait for it: one refresh for all of them.
 */
export function createGatewayClient(onLive: (live: boolean) => void): { client: Client; dispose(): void } {
  const ws = createSubscriptionClient(onLive);
  let failedToken: string | undefined;
  const client = new Client({
    url: GATEWAY_URL,
    exchanges: [
      cacheExchange,
      authExchange(async (utils) => ({
        addAuthToOperation: (operation) => {
          const token = session.accessToken;
          return token ? utils.appendHeaders(operation, { authorization: `Bearer ${token}` }) : operation;
        },
        willAuthError: () => session.looksExpired(),
        didAuthError: (error, operation) => {
          if (!isExpiredToken(error)) return false;
          failedToken = tokenOf(operation);
          return true;
        },
        refreshAuth: async () => {
          const stale = failedToken ?? session.accessToken;
          failedToken = undefined;
          await session.renew(stale).catch(() => undefined);
        },
      })),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink),
          }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
