// The reconnect recipe (examples/subscriptions/reconnecting-client.ts) against a gateway process
// that restarts: the socket closes (1001), connections are refused while no process listens, and
// the client connects again by itself to the new process and goes on receiving events.
import {
  subscribeToSessionEvents,
  type SessionEvent,
} from "../../examples/subscriptions/reconnecting-client";
import { login, registerUser } from "../support/factories";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process";
import { waitFor } from "../support/kafka-consumer";
import { freePort } from "../support/ports";
import { testEnv } from "../support/test-server";

jest.setTimeout(300_000);

it("keeps its subscription through a gateway restart, refused connections included", async () => {
  const port = await freePort();
  const env = { ...testEnv({ LOG_LEVEL: "info", PORT: String(port) }) } as Record<string, string>;
  let gateway: GatewayProcess = await startGatewayProcess(env, 150_000);
  const me = await registerUser(gateway.client);
  const events: SessionEvent[] = [];
  const closes: number[] = [];
  let gaveUp: unknown;
  const subscriber = subscribeToSessionEvents({
    graphqlUrl: gateway.graphqlUrl,
    tokens: { accessToken: me.accessToken, refreshToken: me.refreshToken },
    onEvent: (event) => events.push(event),
    onGiveUp: (reason) => (gaveUp = reason),
    // Frequent attempts for the test (a gateway process takes seconds to start); the example's
    // default spaces them out up to 10 s.
    retryAttempts: 200,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 300)),
  });
  subscriber.client.on("closed", (event) => closes.push((event as { code: number }).code));
  let refused = 0;
  subscriber.client.on("error", () => (refused += 1));
  try {
    // Subscribed once a sign-in reaches it (a sign-in before the subscription is in place is not
    // delivered: events are live only).
    await waitFor(
      async () => {
        await login(gateway.client, me.user.email);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return events.some((e) => e.type === "SESSION_CREATED");
      },
      20_000,
      "the first event",
      200,
    );

    expect(await gateway.stop()).toBe(0);
    // Nobody listens for a while: the client's attempts are refused, and it keeps trying.
    await waitFor(() => refused >= 2, 20_000, "refused connection attempts");
    gateway = await startGatewayProcess(env, 150_000);

    const before = events.length;
    await waitFor(
      async () => {
        if (gaveUp) throw new Error(`the client gave up: ${String(gaveUp)}`);
        await login(gateway.client, me.user.email);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return events.slice(before).some((e) => e.type === "SESSION_CREATED");
      },
      30_000,
      "an event through the new process",
      300,
    );
    expect(gaveUp).toBeUndefined();
    expect(closes).toContain(1001);
  } finally {
    await subscriber.stop();
    await gateway.stop();
  }
});
