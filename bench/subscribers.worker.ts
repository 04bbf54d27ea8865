import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { SubscriberResult, SubscriberSpec } from "./processes";
import { summarize } from "./stats";

/**
 * A child process holding N graphql-ws subscriptions of one user's session events, as N open
 * browser tabs would. It counts what arrives and how long after the event it arrived.
 */

const clients: Client[] = [];
const latencies: number[] = [];
const errors = new Map<string, number>();
let delivered = 0;
let first = 0;
let last = 0;

function noteError(text: string) {
  errors.set(text, (errors.get(text) ?? 0) + 1);
}

async function open(spec: SubscriberSpec): Promise<number> {
  let connected = 0;
  const allConnected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${connected} of ${spec.subscribers} subscriptions connected in 30 s`)),
      30_000,
    );
    for (let i = 0; i < spec.subscribers; i++) {
      const client = createClient({
        url: spec.url.replace(/^http/, "ws"),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${spec.token}` },
        retryAttempts: 0,
        on: {
          connected: () => {
            connected += 1;
            if (connected === spec.subscribers) {
              clearTimeout(timer);
              resolve();
            }
          },
          closed: (event) => {
            const { code, reason } = event as { code?: number; reason?: string };
            if (code !== 1000) noteError(`closed ${code} ${reason ?? ""}`);
          },
        },
      });
      clients.push(client);
      client.subscribe<{ sessionEvents: { occurredAt: string } }>(
        { query: spec.document },
        {
          next: ({ data, errors: problems }) => {
            if (problems?.length) return noteError(`error ${problems[0]!.message}`);
            const now = Date.now();
            delivered += 1;
            first ||= now;
            last = now;
            const at = Date.parse(data?.sessionEvents.occurredAt ?? "");
            if (!Number.isNaN(at)) latencies.push(now - at);
          },
          error: (error) => {
            noteError(`error ${error instanceof Error ? error.message : JSON.stringify(error)}`);
            if (connected < spec.subscribers)
              reject(new Error(`a subscription failed: ${JSON.stringify(error)}`));
          },
          complete: () => undefined,
        },
      );
    }
  });
  await allConnected;
  // The server subscribes to its PubSub after the acknowledgement; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return connected;
}

process.on("message", (message: SubscriberSpec | { stop: true }) => {
  if ("stop" in message) {
    // Let what is in flight arrive, then report.
    setTimeout(() => {
      const result: SubscriberResult = {
        connected: clients.length,
        delivered,
        spanSeconds: first ? (last - first) / 1000 : 0,
        latency: summarize(latencies),
        errorCount: [...errors.values()].reduce((a, b) => a + b, 0),
        errors: [...errors].map(([text, count]) => `${count}x ${text}`),
      };
      for (const client of clients) Promise.resolve(client.dispose()).catch(() => undefined);
      process.send!({ result }, () => process.exit(0));
    }, 2000);
    return;
  }
  open(message).then(
    (connected) => process.send!({ connected }),
    (error: Error) => process.send!({ error: error.message }),
  );
});
process.send!({ ready: true });
