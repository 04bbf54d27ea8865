import { errorOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * Mistakes in the request itself are the client's to see and fix: they keep graphql-js's message
 * and Apollo's code instead of being masked as INTERNAL_SERVER_ERROR.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe("request errors", () => {
  it("names an unknown field (GRAPHQL_VALIDATION_FAILED, 400)", async () => {
    const response = await server.client.request("query { me { id shoeSize } }");
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      code: "GRAPHQL_VALIDATION_FAILED",
      message: 'Cannot query field "shoeSize" on type "User".',
    });
  });

  it("names an unknown root field", async () => {
    const response = await server.client.request("query { nothingHere }");
    expect(errorOf(response).message).toBe('Cannot query field "nothingHere" on type "Query".');
  });

  it("shows a syntax error (GRAPHQL_PARSE_FAILED)", async () => {
    const response = await server.client.request("query { me { id ");
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({
      code: "GRAPHQL_PARSE_FAILED",
      message: expect.stringMatching(/^Syntax Error/),
    });
  });

  it("shows a variable of the wrong type (BAD_USER_INPUT)", async () => {
    const response = await server.client.request(
      "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
      { t: 42 },
    );
    expect(errorOf(response)).toMatchObject({
      code: "BAD_USER_INPUT",
      message: expect.stringMatching(/\$t/),
    });
  });
});
