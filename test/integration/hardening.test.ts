import { getIntrospectionQuery } from "graphql";
import { errorOf } from "../support/graphql-client";
import { allOperationNames, op } from "../support/operations";
import { testServers, type TestServer } from "../support/test-server";

const server = testServers().start;

/** What GraphiQL and other playgrounds send to learn the schema. */
const PLAYGROUND_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

const post = (target: TestServer, body: unknown, headers: Record<string, string> = {}) =>
  fetch(target.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(" ")} }`;

describe("default limits", () => {
  let gateway: TestServer;
  beforeAll(async () => {
    gateway = await server();
  });

  it("let every documented operation and the playground's introspection through", async () => {
    const names = allOperationNames();
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      // No variables: execution may refuse, but parsing and validation must not.
      const response = await gateway.client.request(op(name));
      const codes = (response.errors ?? []).map((e) => e.extensions?.code);
      expect({ name, codes }).toEqual({
        name,
        codes: codes.filter((c) => c !== "GRAPHQL_PARSE_FAILED" && c !== "GRAPHQL_VALIDATION_FAILED"),
      });
    }
    const introspection = await gateway.client.request(PLAYGROUND_INTROSPECTION);
    expect(introspection.errors).toBeUndefined();
    expect(introspection.data!.__schema.types.length).toBeGreaterThan(5);
  });

  it("refuse more than GRAPHQL_MAX_ALIASES aliases (15)", async () => {
    expect(errorOf(await gateway.client.request(aliases(15))).code).toBe("UNAUTHENTICATED");
    const refused = errorOf(await gateway.client.request(aliases(16)));
    expect(refused).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED" });
    expect(refused.message).toMatch(/Aliases limit of 15 exceeded/);
  });

  it("refuse more than GRAPHQL_MAX_DIRECTIVES directives (50)", async () => {
    const query = `{ me { id ${"@include(if: true) ".repeat(51)} } }`;
    const refused = errorOf(await gateway.client.request(query));
    expect(refused).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED" });
    expect(refused.message).toMatch(/Directives limit of 50 exceeded/);
  });

  it("refuse batched requests", async () => {
    const response = await post(gateway, [{ query: "{ __typename }" }, { query: "{ __typename }" }]);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ message: expect.stringMatching(/batching/i), extensions: { code: "BAD_REQUEST" } }],
    });
  });

  it("refuse a body over HTTP_BODY_LIMIT (100kb) in the gateway's error format", async () => {
    const response = await post(gateway, { query: `{ __typename } # ${"x".repeat(110_000)}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [
        { message: "The request body is larger than 100kb.", extensions: { code: "PAYLOAD_TOO_LARGE" } },
      ],
    });
  });
});

describe("configured limits", () => {
  it("GRAPHQL_MAX_DEPTH", async () => {
    const gateway = await server({ GRAPHQL_MAX_DEPTH: "2" });
    expect(errorOf(await gateway.client.request("{ me { id } }")).code).toBe("UNAUTHENTICATED");
    const refused = errorOf(await gateway.client.request(op("Login")));
    expect(refused).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED" });
    expect(refused.message).toMatch(/depth limit of 2 exceeded/);
  });

  it("GRAPHQL_MAX_COST", async () => {
    const gateway = await server({ GRAPHQL_MAX_COST: "10" });
    expect(errorOf(await gateway.client.request("{ me { id } }")).code).toBe("UNAUTHENTICATED");
    const refused = errorOf(await gateway.client.request(op("Me")));
    expect(refused).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED" });
    expect(refused.message).toMatch(/Cost limit of 10 exceeded/);
  });

  it("GRAPHQL_MAX_TOKENS", async () => {
    const gateway = await server({ GRAPHQL_MAX_TOKENS: "20" });
    expect(errorOf(await gateway.client.request("{ me { id } }")).code).toBe("UNAUTHENTICATED");
    const refused = errorOf(await gateway.client.request(op("Me")));
    expect(refused).toMatchObject({ code: "GRAPHQL_PARSE_FAILED" });
    expect(refused.message).toMatch(/more tha[nt] 20 tokens/);
  });

  it("GRAPHQL_ALLOW_BATCHING and HTTP_BODY_LIMIT", async () => {
    const gateway = await server({ GRAPHQL_ALLOW_BATCHING: "true", HTTP_BODY_LIMIT: "2kb" });
    const batched = await post(gateway, [{ query: "{ __typename }" }, { query: "{ a: __typename }" }]);
    expect(batched.status).toBe(200);
    expect(await batched.json()).toEqual([{ data: { __typename: "Query" } }, { data: { a: "Query" } }]);
    const large = await post(gateway, { query: `{ __typename } # ${"x".repeat(3000)}` });
    expect(large.status).toBe(413);
  });
});

describe("production defaults", () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await server({ NODE_ENV: "production" });
  });

  it("turn introspection and field suggestions off", async () => {
    const introspection = errorOf(await production.client.request(PLAYGROUND_INTROSPECTION));
    expect(introspection.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(introspection.message).toMatch(/introspection has been disabled/i);

    const typo = errorOf(await production.client.request("{ mee { id } }"));
    expect(typo.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(typo.message).not.toMatch(/did you mean/i);
  });

  it("turn them on again with GRAPHQL_INTROSPECTION=true (the admins' playground)", async () => {
    const open = await server({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true" });
    expect((await open.client.request(PLAYGROUND_INTROSPECTION)).errors).toBeUndefined();
    expect(errorOf(await open.client.request("{ mee { id } }")).message).toMatch(/did you mean "me"/i);
  });

  it("keep CSRF prevention on: no simple GET or form-like POST runs an operation", async () => {
    const get = await fetch(`${production.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`);
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({
      errors: [
        { message: expect.stringMatching(/Cross-Site Request Forgery/), extensions: { code: "BAD_REQUEST" } },
      ],
    });
    const form = await fetch(production.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(form.status).toBe(400);
    // With a header a cross-site form cannot set, the same GET works.
    expect((await production.client.get("{ __typename }")).data).toEqual({ __typename: "Query" });
  });

  it("send security headers", async () => {
    const response = await fetch(`${production.url}/health/liveness`);
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });

  it("send the same security headers on GraphQL answers (POST and GET) as on every other route", async () => {
    const health = await fetch(`${production.url}/health/liveness`);
    const answers = [
      await post(production, { query: "{ __typename }" }),
      await fetch(`${production.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`, {
        headers: { "apollo-require-preflight": "true" },
      }),
    ];
    const names = [
      "strict-transport-security",
      "x-content-type-options",
      "content-security-policy",
      "x-frame-options",
      "referrer-policy",
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "x-dns-prefetch-control",
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      for (const name of names) {
        expect({ name, value: answer.headers.get(name) }).toEqual({ name, value: health.headers.get(name) });
      }
      expect(health.headers.get("content-security-policy")).toBeTruthy();
      expect(answer.headers.get("x-powered-by")).toBeNull();
      expect(answer.headers.get("x-request-id")).toMatch(/^[\w.:-]+$/);
    }
  });

  it("let no cache keep a GraphQL answer (cache-control: no-store), data or error, POST or GET", async () => {
    const answered = await post(production, { query: "{ __typename }" });
    expect(await answered.json()).toEqual({ data: { __typename: "Query" } });
    expect(answered.headers.get("cache-control")).toBe("no-store");
    const refused = await post(production, { query: "{ me { id } }" });
    expect((await refused.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(refused.headers.get("cache-control")).toBe("no-store");
    const get = await fetch(`${production.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get("cache-control")).toBe("no-store");
  });
});

describe("CORS", () => {
  const preflight = (target: TestServer, origin: string) =>
    fetch(target.graphqlUrl, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
      },
    });

  it("answers only the origins in CORS_ORIGINS", async () => {
    const gateway = await server({ CORS_ORIGINS: "https://app.example.com, https://admin.example.com" });
    const allowed = await preflight(gateway, "https://admin.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");

    const other = await preflight(gateway, "https://evil.example.net");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows no cross-origin browser calls by default", async () => {
    const gateway = await server();
    const response = await preflight(gateway, "https://app.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
