import { PASSWORD, uniqueEmail } from "../support/factories";
import { scrape, sample } from "../support/metrics";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

// bcrypt at cost 12 takes a few hundred milliseconds, one at a time (BCRYPT_CONCURRENCY 1): well
// past a 100 ms deadline.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    REQUEST_TIMEOUT_MS: "100",
    BCRYPT_ROUNDS: "12",
    BCRYPT_CONCURRENCY: "1",
  });
  await server.container.hasher.warmUp();
});
afterAll(() => server.stop());

const loginUnknown = (email: string) =>
  server.client.request(op("Login"), { input: { email, password: PASSWORD } });

describe("request deadline", () => {
  it("answers REQUEST_TIMEOUT when a request runs past it, and skips the work still queued", async () => {
    const emails = [uniqueEmail("slow"), uniqueEmail("slow"), uniqueEmail("slow")];
    const responses = await Promise.all(emails.map(loginUnknown));
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.errors).toEqual([
        {
          message: "The request took too long and was abandoned; try again.",
          extensions: { code: "REQUEST_TIMEOUT", timeoutMs: 100 },
        },
      ]);
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }

    // The hash running when the deadlines passed finishes (its attempt is recorded); the two
    // queued behind it never start. (On a busy machine the first may not have started either.)
    const attempts = async () => {
      const metrics = await scrape(server.url);
      return {
        total: sample(metrics, "user_login_attempts_total") ?? 0,
        timeout: sample(metrics, "user_failed_login_attempts_total", { reason: "timeout" }),
        invalid: sample(metrics, "user_failed_login_attempts_total", { reason: "invalid_credentials" }),
      };
    };
    for (let i = 0; i < 100 && (await attempts()).total < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { total, timeout, invalid = 0 } = await attempts();
    expect(total).toBe(3);
    expect(timeout).toBeGreaterThanOrEqual(2);
    expect(timeout! + invalid).toBe(3);
    const history = await server.container.db.loginHistory.findMany({ where: { email: { in: emails } } });
    expect(history).toHaveLength(invalid);

    const metrics = await scrape(server.url);
    expect(sample(metrics, "graphql_requests_total", { operation: "Login", outcome: "timeout" })).toBe(3);
    const lines = server.logs.filter((line) => line.msg === "request" && line.operation === "Login");
    expect(lines.map((line) => [line.status, line.outcome])).toEqual([
      [503, "timeout"],
      [503, "timeout"],
      [503, "timeout"],
    ]);
  });

  it("leaves fast requests alone and keeps serving after a timeout", async () => {
    const response = await server.client.request("{ __typename }");
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: "Query" });
  });
});
