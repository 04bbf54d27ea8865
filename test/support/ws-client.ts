import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import { Cluster } from "ioredis";
import WebSocket from "ws";
import { channelName } from "../../src/infra/redis.keys";
import { SessionTopic } from "../../src/sessions/session-event.bus";
import { login } from "./factories";
import { op } from "./operations";
import type { TestServer } from "./test-server";

/**
 * A graphql-ws client as a frontend would use it, against the real server, with what tests need
 * to observe: when it is connected, how it was closed, and what each subscription received.
 */

export interface CloseInfo {
  code: number;
  reason: string;
  /** Date.now() when the client saw the close. */
  at: number;
}

type Result = FormattedExecutionResult<Record<string, any>, unknown>;

/** State that changes as messages arrive, and can be waited on. */
abstract class Observed {
  private readonly listeners = new Set<() => void>();

  /** Resolves when `check` returns a value; rejects with `describe()` after `timeoutMs`. */
  protected until<T>(
    check: () => T | undefined | false,
    describe: () => string,
    timeoutMs = 10_000,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined || value === false) return;
        clearTimeout(timer);
        this.listeners.delete(attempt);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(attempt);
        reject(new Error(`timed out waiting for ${describe()}`));
      }, timeoutMs);
      this.listeners.add(attempt);
      attempt();
    });
  }

  protected changed(update: () => unknown): void {
    update();
    for (const listener of [...this.listeners]) listener();
  }
}

/** Polls until `check` holds, for state the test cannot be told about (Redis). */
export async function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class TestSubscription extends Observed {
  readonly results: Result[] = [];
  /** Set when the server completed the operation or the socket closed under it. */
  ended?: { error?: unknown };
  private readonly dispose: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    super();
    this.dispose = client.subscribe<Record<string, any>>(
      { query, variables },
      {
        next: (result) => this.changed(() => this.results.push(result)),
        error: (error) => this.changed(() => (this.ended = { error })),
        complete: () => this.changed(() => (this.ended ??= {})),
      },
    );
  }

  /** The data of every result, for subscriptions that select one root field. */
  get events(): Array<Record<string, any>> {
    return this.results.flatMap((r) => (r.data ? Object.values(r.data) : []));
  }

  /** Waits until `count` events matching `filter` have arrived, and returns those. */
  next(count: number, filter: (event: Record<string, any>) => boolean = () => true, timeoutMs?: number) {
    return this.until(
      () => {
        const matching = this.events.filter(filter);
        return matching.length >= count ? matching : undefined;
      },
      () => `${count} events; have ${JSON.stringify(this.results)}, ended ${JSON.stringify(this.ended)}`,
      timeoutMs,
    );
  }

  /**
   * For subscriptions on a channel other tests may share (every user's events): repeats `probe`,
   * which causes an event and returns its user id, until one of those events arrives.
   */
  async untilReceiving(probe: () => Promise<string>): Promise<void> {
    for (;;) {
      const userId = await probe();
      const arrived = await this.next(1, (event) => event.userId === userId, 500).then(
        () => true,
        () => false,
      );
      if (arrived) return;
    }
  }

  /** Waits for the operation to end (complete, error or socket close). */
  end() {
    return this.until(
      () => this.ended,
      () => `the subscription to end; have ${JSON.stringify(this.results)}`,
    );
  }

  unsubscribe() {
    this.dispose();
  }
}

export class TestWsClient extends Observed {
  readonly client: Client;
  connected = false;
  closeInfo?: CloseInfo;

  constructor(
    url: string,
    connectionParams?: Record<string, unknown>,
    /** Headers of the upgrade request (what a router sends; browsers cannot set any). */
    upgradeHeaders?: Record<string, string>,
  ) {
    super();
    this.client = createClient({
      url,
      webSocketImpl: upgradeHeaders ? webSocketWithHeaders(upgradeHeaders) : WebSocket,
      connectionParams,
      lazy: false,
      // One connection: a test sees every close instead of a silent reconnect.
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connected: () => this.changed(() => (this.connected = true)),
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          this.changed(() => (this.closeInfo ??= { code, reason, at: Date.now() }));
        },
      },
    });
  }

  /** Resolves once the server acknowledged `connection_init`; rejects if it closed instead. */
  async waitConnected(): Promise<void> {
    await this.until(
      () => this.connected || this.closeInfo,
      () => "the connection to be acknowledged or closed",
    );
    if (!this.connected) throw new Error(`connection closed: ${JSON.stringify(this.closeInfo)}`);
  }

  /** Resolves with how the socket closed. */
  waitClosed(): Promise<CloseInfo> {
    return this.until(
      () => this.closeInfo,
      () => `the socket to close (connected: ${this.connected})`,
    );
  }

  subscribe(operationName: string, variables?: Record<string, unknown>): TestSubscription {
    return new TestSubscription(this.client, op(operationName), variables);
  }

  /** Subscribes with a document of the test's own (attacks, limits). */
  subscribeQuery(query: string, variables?: Record<string, unknown>): TestSubscription {
    return new TestSubscription(this.client, query, variables);
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** The `ws` WebSocket, sending `headers` with its upgrade request. */
function webSocketWithHeaders(headers: Record<string, string>): unknown {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

const openClients = new Set<TestWsClient>();

/**
 * Opens a graphql-ws connection to `server` with `{ authorization: "Bearer <token>" }`, or the
 * given `connection_init` payload and upgrade headers.
 */
export function connectWs(
  server: Pick<TestServer, "graphqlUrl">,
  token?: string,
  connectionParams: Record<string, unknown> | undefined = token
    ? { authorization: `Bearer ${token}` }
    : undefined,
  upgradeHeaders?: Record<string, string>,
): TestWsClient {
  const client = new TestWsClient(server.graphqlUrl.replace(/^http/, "ws"), connectionParams, upgradeHeaders);
  openClients.add(client);
  return client;
}

/** Closes every client opened by connectWs (call in afterEach). */
export async function closeAllWs(): Promise<void> {
  await Promise.all([...openClients].map((client) => client.close()));
  openClients.clear();
}

/** The Redis channels of a test server's PubSub (its key prefix included). */
export function channels(server: TestServer) {
  const prefix = server.container.config.redis.keyPrefix;
  return {
    sessionEvents: (userId?: string) => channelName(prefix, SessionTopic.EVENTS, userId),
    authChanged: (userId: string) => channelName(prefix, SessionTopic.AUTH_CHANGED, userId),
  };
}

/**
 * How many Redis connections (gateway processes) listen on `channel`. On a cluster each process
 * subscribes on one node of its choosing and PUBSUB NUMSUB counts one node's: ask every node.
 */
export async function listeners(server: TestServer, channel: string): Promise<number> {
  const redis = server.container.redis;
  const nodes = redis instanceof Cluster ? redis.nodes("all") : [redis];
  const counts = await Promise.all(
    nodes.map(async (node) => Number(((await node.pubsub("NUMSUB", channel)) as [string, number])[1])),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Waits until some gateway process listens on `channel` in Redis. graphql-ws has no "subscribed"
 * acknowledgement, so a test that acts right after subscribing would race the SUBSCRIBE.
 */
export function untilListening(server: TestServer, channel: string): Promise<void> {
  return pollUntil(async () => (await listeners(server, channel)) > 0, `a listener on ${channel}`);
}

/**
 * Subscribes `ws` to the caller's SessionEvents, signs `user` in once more on `server` (the
 * gateway that owns the session events, whoever `ws` is connected to) and returns the
 * SESSION_CREATED event that arrives for it.
 */
export async function receivesNextSignIn(
  ws: TestWsClient,
  server: TestServer,
  user: { id: string; email: string },
): Promise<Record<string, any>> {
  const events = ws.subscribe("SessionEvents");
  await untilListening(server, channels(server).sessionEvents(user.id));
  await login(server.client, user.email);
  const [created] = await events.next(1, (e) => e.type === "SESSION_CREATED");
  return created!;
}
