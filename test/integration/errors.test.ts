import { randomUUID } from "node:crypto";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { op } from "../support/operations";
import { databaseUrlFor } from "../support/test-db";
import { testServers, type TestServer } from "../support/test-server";

/** Words that would mean internals reached the client. */
const INTERNALS =
  /prisma|postgres|redis|ioredis|ECONNREFUSED|does_not_exist|stack|node_modules|\bat \w+ \(|max retries/i;

const server = testServers().start;

async function postRaw(target: TestServer, body: string, path = "/graphql") {
  const response = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return {
    status: response.status,
    text: await response.text(),
    requestId: response.headers.get("x-request-id"),
  };
}

describe("errors from every layer reach the client in the gateway's format, without internals", () => {
  it("PostgreSQL unreachable: INTERNAL_SERVER_ERROR, logged with the request id", async () => {
    const gateway = await server({ DATABASE_URL: databaseUrlFor(`does_not_exist_${Date.now()}`) });
    const response = await gateway.client.request(op("Register"), {
      input: { email: uniqueEmail(), password: PASSWORD, name: "No Database" },
    });
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: "Internal server error.",
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      }),
    ]);
    expect(JSON.stringify(response)).not.toMatch(INTERNALS);

    const requestId = response.headers.get("x-request-id");
    const logged = gateway.logs.find((line) => line.requestId === requestId && line.err);
    expect(logged).toMatchObject({ level: 50, err: { message: expect.any(String) } });
  });

  it("Redis unreachable: a retryable SERVICE_UNAVAILABLE for a signed-in request, never anonymous", async () => {
    const gateway = await server({ REDIS_URL: "redis://127.0.0.1:1" });
    const token = gateway.container.tokens.sign(
      "access",
      { id: randomUUID(), email: "someone@example.com", role: "USER" } as never,
      randomUUID(),
      randomUUID(),
      Math.floor(Date.now() / 1000),
    );
    const response = await gateway.client.request(op("Me"), {}, { token });
    expect(response.status).toBe(503);
    expect(response.errors?.[0]).toMatchObject({
      message: "The service is unavailable for a moment; try again shortly.",
      extensions: { code: "SERVICE_UNAVAILABLE", errorCode: "USER_1303", retryAfterSeconds: 5 },
    });
    expect(JSON.stringify(response)).not.toMatch(INTERNALS);
  });

  describe("requests the gateway cannot read", () => {
    let gateway: TestServer;
    beforeAll(async () => {
      gateway = await server();
    });

    it("a malformed query: GRAPHQL_PARSE_FAILED with the position only", async () => {
      const { status, text } = await postRaw(gateway, JSON.stringify({ query: "mutation { login(input: {" }));
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({
        errors: [
          {
            message: "Syntax Error: Expected Name, found <EOF>.",
            locations: [{ line: 1, column: 26 }],
            extensions: { code: "GRAPHQL_PARSE_FAILED" },
          },
        ],
      });
    });

    it("an unknown field: GRAPHQL_VALIDATION_FAILED", async () => {
      const { status, text } = await postRaw(gateway, JSON.stringify({ query: "{ me { password } }" }));
      expect(status).toBe(400);
      expect(JSON.parse(text).errors[0]).toMatchObject({
        message: 'Cannot query field "password" on type "User".',
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      });
    });

    it("variables of the wrong type: BAD_USER_INPUT", async () => {
      const { status, text } = await postRaw(
        gateway,
        JSON.stringify({ query: op("Login"), variables: { input: { email: 42 } } }),
      );
      expect(status).toBe(400);
      expect(JSON.parse(text).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT" });
      expect(text).not.toMatch(INTERNALS);
    });

    it("a body that is not JSON: BAD_REQUEST", async () => {
      const { status, text } = await postRaw(gateway, '{"query": "{ me { id } }"');
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } }],
      });
    });

    it("a path that does not exist: NOT_FOUND", async () => {
      const response = await fetch(`${gateway.url}/admin/../etc/passwd`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        errors: [{ message: "Not found.", extensions: { code: "NOT_FOUND" } }],
      });
    });
  });
});
