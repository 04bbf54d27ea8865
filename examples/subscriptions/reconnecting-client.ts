// A session-events subscriber that survives what happens to a long-lived socket: a gateway that
// restarts or is redeployed (close 1001, then refused connections until it listens again), Redis
// briefly unreachable (close 1013), and its access token expiring or its session ending (4403).
//
//   GRAPHQL_URL=http://localhost:4000/graphql EMAIL=you@example.com PASSWORD=… \
//     npx ts-node examples/subscriptions/reconnecting-client.ts
//
// Two settings do the work. `shouldRetry: () => true`: graphql-ws retries only close events by
// default, so a connection refused while the gateway restarts (an error event, not a close) would
// end the client for good. `retryAttempts` with `retryWait`: the attempts are bounded and spaced
// out (exponential, with jitter), so a thousand clients do not stampede a gateway that comes back.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export interface SessionEvent {
  type: string;
  sessionId: string | null;
  reason: string | null;
  occurredAt: string;
}

export interface ReconnectingSubscriber {
  client: Client;
  /** Ends the subscription and the socket. */
  stop(): Promise<void>;
}

const SESSION_EVENTS = `subscription { sessionEvents { type sessionId reason occurredAt } }`;
const REFRESH = `mutation ($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken }
}`;

/** The refreshToken mutation over HTTP; throws when the session is over (sign in again). */
async function refresh(graphqlUrl: string, tokens: Tokens): Promise<void> {
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: REFRESH, variables: { refreshToken: tokens.refreshToken } }),
  });
  const body = (await response.json()) as {
    data?: { refreshToken?: Tokens };
    errors?: Array<{ extensions?: { code?: string } }>;
  };
  const renewed = body.data?.refreshToken;
  if (!renewed) throw new Error(`session over: ${body.errors?.[0]?.extensions?.code ?? response.status}`);
  Object.assign(tokens, renewed);
}

/** Up to 10 s between attempts: 0.5 s, 1 s, 2 s… plus up to a second of jitter. */
const defaultRetryWait = (retries: number) =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, Math.min(500 * 2 ** retries, 10_000) + Math.random() * 1000),
  );

export function subscribeToSessionEvents(options: {
  /** The gateway's GraphQL endpoint over HTTP (the socket is the same path over ws/wss). */
  graphqlUrl: string;
  /** Kept current: a refresh replaces both tokens. */
  tokens: Tokens;
  onEvent: (event: SessionEvent) => void;
  /** The session is over, or the gateway stayed away longer than the attempts allow. */
  onGiveUp?: (reason: unknown) => void;
  retryAttempts?: number;
  retryWait?: (retries: number) => Promise<void>;
}): ReconnectingSubscriber {
  const { graphqlUrl, tokens } = options;
  let mustRefresh = false;
  const client = createClient({
    url: graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    // Called on every attempt: after a 4403 the access token is renewed first.
    connectionParams: async () => {
      if (mustRefresh) {
        await refresh(graphqlUrl, tokens); // throws when the session is over: the client stops
        mustRefresh = false;
      }
      return { authorization: `Bearer ${tokens.accessToken}` };
    },
    shouldRetry: () => true,
    retryAttempts: options.retryAttempts ?? 30,
    retryWait: options.retryWait ?? defaultRetryWait,
    onNonLazyError: (error) => options.onGiveUp?.(error),
    on: {
      closed: (event) => {
        if ((event as { code?: number }).code === 4403) mustRefresh = true;
      },
    },
  });
  // Active subscriptions are sent again after every reconnect. Events are live only: after a
  // reconnect, query `mySessions` for the current state.
  const unsubscribe = client.subscribe<{ sessionEvents: SessionEvent }>(
    { query: SESSION_EVENTS },
    {
      next: (result) => result.data && options.onEvent(result.data.sessionEvents),
      error: (error) => options.onGiveUp?.(error),
      complete: () => undefined,
    },
  );
  return {
    client,
    async stop() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Run as a script: sign in, then print this account's session events until Ctrl-C. */
async function main() {
  const graphqlUrl = process.env.GRAPHQL_URL ?? "http://localhost:4000/graphql";
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`,
      variables: { input: { email: process.env.EMAIL, password: process.env.PASSWORD } },
    }),
  });
  const body = (await response.json()) as { data?: { login?: Tokens }; errors?: unknown };
  if (!body.data?.login) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
  const subscriber = subscribeToSessionEvents({
    graphqlUrl,
    tokens: body.data.login,
    onEvent: (event) => console.log(JSON.stringify(event)),
    onGiveUp: (reason) => {
      console.error("giving up:", reason instanceof Error ? reason.message : reason);
      process.exit(1);
    },
  });
  subscriber.client.on("connected", () => console.error("connected"));
  subscriber.client.on("closed", (event) => console.error("closed", (event as { code?: number }).code ?? ""));
  process.once("SIGINT", () => void subscriber.stop().then(() => process.exit(0)));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
