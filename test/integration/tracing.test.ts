import { PASSWORD, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startOtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver";
import { spawnServer } from "../support/gateway-process";

// The SDK must load before http, ioredis and Prisma do, so this needs a process of its own.
jest.setTimeout(90_000);

describe("tracing over OTLP", () => {
  it("exports a login as a GraphQL operation span with Prisma, Redis and bcrypt beneath it", async () => {
    const receiver = await startOtlpReceiver();
    const server = await spawnServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    try {
      const { user } = await registerUser(server.client);
      const requestId = `traced-${Date.now()}`;
      const response = await server.client.request(
        op("Login"),
        { input: { email: user.email, password: PASSWORD } },
        { headers: { "x-request-id": requestId } },
      );
      expect(response.errors).toBeUndefined();
      // Shutdown flushes the spans still batched.
      server.process.kill("SIGTERM");
      expect((await server.exited).code).toBe(0);

      const operation = receiver.spans.find((span) => span.name === "mutation Login");
      expect(operation).toBeDefined();
      expect(operation!.attributes).toMatchObject({
        "graphql.operation.name": "Login",
        "graphql.operation.type": "mutation",
        "graphql.outcome": "success",
      });

      // Everything the login did hangs beneath the operation span, in one trace.
      const byId = new Map(receiver.spans.map((span) => [span.spanId, span]));
      const under = (span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
        for (let p = span.parentSpanId; p; p = byId.get(p)?.parentSpanId) {
          if (p === ancestor.spanId) return true;
        }
        return false;
      };
      const beneath = receiver.spans.filter((span) => under(span, operation!));
      expect(beneath.some((span) => span.name.startsWith("prisma:"))).toBe(true);
      expect(beneath.some((span) => span.attributes["db.system.name"] === "redis")).toBe(true);
      expect(beneath.filter((span) => span.name === "bcrypt.compare")).toHaveLength(1);
      expect(beneath.every((span) => span.traceId === operation!.traceId)).toBe(true);
      // The operation span itself sits under the incoming HTTP request's span.
      expect(byId.get(operation!.parentSpanId!)?.attributes).toMatchObject({
        "http.request.method": "POST",
        "url.path": "/graphql",
      });

      // Nothing sensitive in span attributes (Redis commands are recorded by name only).
      const exported = JSON.stringify(receiver.spans);
      expect(exported).not.toContain(PASSWORD);
      expect(exported).not.toContain(response.data!.login.accessToken);

      // The request's log line carries the trace id.
      const line = server.lines().find((l) => l.msg === "request" && l.requestId === requestId);
      expect(line).toMatchObject({ operation: "Login", traceId: operation!.traceId });
    } finally {
      server.kill();
      await receiver.close();
    }
  });
});
