import { createClient } from "graphql-ws";
import WebSocket from "ws";

export type SubscriptionProbe =
  | { present: true }
  | { present: false; why: string }
  | { present: "unknown"; why: string };

/**
 * Whether the gateway serves a subscription field over graphql-ws: one client, one subscription,
 * a few seconds. No WebSocket endpoint, or a validation error naming the field, means absent.
 */
export function probeSubscription(
  url: string,
  token: string,
  document: string,
  field: string,
): Promise<SubscriptionProbe> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
      on: {
        connected: () => {
          connected = true;
        },
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          // 4400-4499 are graphql-ws's own refusals: the endpoint is there and said no.
          if (!connected && !(code && code >= 4400 && code < 4500)) {
            finish({
              present: false,
              why: `no graphql-ws endpoint (closed ${code ?? ""} ${reason ?? ""})`.trim(),
            });
          } else finish({ present: "unknown", why: `socket closed ${code} ${reason ?? ""}`.trim() });
        },
        error: (error) => {
          if (!connected)
            finish({
              present: false,
              why: `no graphql-ws endpoint (${(error as Error)?.message ?? "socket error"})`,
            });
        },
      },
    });
    const finish = (outcome: SubscriptionProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      Promise.resolve(client.dispose()).catch(() => undefined);
      resolve(outcome);
    };
    const absent = new RegExp(`Cannot query field "${field}"|not configured to execute subscription`, "i");
    client.subscribe(
      { query: document },
      {
        next: () => finish({ present: true }),
        error: (error) => {
          const messages = Array.isArray(error)
            ? error.map((e: { message?: string }) => String(e?.message))
            : [error instanceof Error ? error.message : JSON.stringify(error)];
          finish(
            messages.some((m) => absent.test(m))
              ? { present: false, why: "not in schema" }
              : { present: "unknown", why: messages.join("; ").slice(0, 200) },
          );
        },
        complete: () => undefined,
      },
    );
    // Connected and subscribed without complaint: the field is there (events come later).
    timer = setTimeout(
      () => finish(connected ? { present: true } : { present: false, why: "no connection in 5 s" }),
      5000,
    );
  });
}
