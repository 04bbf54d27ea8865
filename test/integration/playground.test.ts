import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from "graphql";
import { ConfigError, loadConfig } from "../../src/config";
import { createLogger } from "../../src/infra/logger";
import { OWN_SCRIPTS } from "../../src/playground/playground.assets";
import { EXAMPLES, type PlaygroundExample } from "../../src/playground/playground.examples";
import { playgroundRouter } from "../../src/playground/playground.router";
import { GraphQLClient } from "../support/graphql-client";
import { startTestServer, testEnv, testServers, type TestServer } from "../support/test-server";

/** What a browser sends when it navigates to a URL. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

function openPage(server: { graphqlUrl: string }) {
  return fetch(server.graphqlUrl, { headers: { accept: BROWSER_ACCEPT } });
}

async function introspect(client: GraphQLClient): Promise<GraphQLSchema> {
  const response = await client.request<IntrospectionQuery>(getIntrospectionQuery());
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return buildClientSchema(response.data!);
}

/** The settings the page hands its script (a JSON data block, never executed). */
function pageSettings(html: string): { endpoint: string; examples: PlaygroundExample[] } {
  const match = /<script type="application\/json" id="playground-config">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error("no settings block in the page");
  return JSON.parse(match[1]!);
}

function rootFieldOf(example: PlaygroundExample): { operation: string; field: string } {
  const operation = parse(example.query).definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const selection = operation.selectionSet.selections[0]!;
  return { operation: operation.operation, field: selection.kind === Kind.FIELD ? selection.name.value : "" };
}

describe("the playground page (development defaults)", () => {
  let server: TestServer;
  let html: string;
  let response: Response;

  beforeAll(async () => {
    server = await startTestServer();
    response = await openPage(server);
    html = await response.text();
  });

  afterAll(() => server.stop());

  it("is served to a browser opening /graphql, under a strict Content-Security-Policy", () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy")!;
    const directives = Object.fromEntries(
      csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]),
    );
    expect(directives["default-src"]).toEqual(["'none'"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["style-src"]).toEqual(["'self'"]);
    expect(directives["connect-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(html).toContain('<main id="graphiql">');
  });

  it("loads every script and style from the gateway, checked by Subresource Integrity", async () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    // No inline script: each one has a src, except the settings, a JSON data block.
    for (const attributes of scripts) {
      expect(attributes).toMatch(/\bsrc="\/playground\/[\w.-]+\.js"|type="application\/json"/);
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)" integrity="(sha384-[^"]+)"/g)];
    expect(assets.map((m) => m[1])).toEqual([
      "/playground/graphiql.min.css",
      "/playground/playground.css",
      "/playground/react.production.min.js",
      "/playground/react-dom.production.min.js",
      "/playground/graphiql.min.js",
      ...OWN_SCRIPTS.map((name) => `/playground/${name}`),
    ]);
    expect(OWN_SCRIPTS[OWN_SCRIPTS.length - 1]).toBe("playground.js");
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const [, url, integrity] of assets) {
      const asset = await fetch(`${server.url}${url}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
      const body = Buffer.from(await asset.arrayBuffer());
      expect(`sha384-${createHash("sha384").update(body).digest("base64")}`).toBe(integrity);
    }
  });

  it("serves GraphiQL's own build, which brings its graphql-ws client for subscriptions", async () => {
    const graphiql = await (await fetch(`${server.url}/playground/graphiql.min.js`)).text();
    expect(graphiql).toContain("createFetcher");
    expect(graphiql).toContain("graphql-transport-ws");
    expect((await fetch(`${server.url}/playground/missing.js`)).status).toBe(404);
  });

  it("offers exactly the examples this schema can run", async () => {
    const schema = await introspect(server.client);
    const { endpoint, examples } = pageSettings(html);
    expect(endpoint).toBe("/graphql");
    const expected = EXAMPLES.filter((example) => {
      const { operation, field } = rootFieldOf(example);
      const root =
        operation === "query"
          ? schema.getQueryType()
          : operation === "mutation"
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      return Boolean(root?.getFields()[field]);
    });
    expect(examples.map((e) => e.title)).toEqual(expected.map((e) => e.title));
    expect(examples.map((e) => e.title)).toEqual(expect.arrayContaining(["Sign in", "Who am I", "Log out"]));
    expect(examples.filter((e) => e.openAtStart).map((e) => e.title)).toEqual(["Sign in", "Who am I"]);
    for (const example of examples) {
      expect(validate(schema, parse(example.query))).toEqual([]);
      if (example.variables) expect(() => JSON.parse(example.variables!)).not.toThrow();
    }
  });

  it("sends a browser opening / to the playground", async () => {
    const root = await fetch(`${server.url}/`, { redirect: "manual", headers: { accept: BROWSER_ACCEPT } });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/graphql");
  });

  it("leaves GraphQL requests to Apollo", async () => {
    const get = await server.client.get("{ __typename }");
    expect(get.data).toEqual({ __typename: "Query" });
    const post = await server.client.request("{ __typename }");
    expect(post.data).toEqual({ __typename: "Query" });
    const anyAccept = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "*/*", "apollo-require-preflight": "true" },
    });
    expect(await anyAccept.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe("the playground switch", () => {
  const start = testServers().start;

  it("is off in production by default, and introspection with it: a browser is told how to turn it on", async () => {
    const server = await start({ NODE_ENV: "production" });
    const page = await openPage(server);
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    const text = await page.text();
    expect(text).toContain("The playground is off");
    expect(text).toContain("PLAYGROUND_ENABLED=true");
    expect(text).toContain("GRAPHQL_INTROSPECTION=true");
    expect(text).not.toMatch(/<script|<style|<link rel="stylesheet"/);
    // GraphQL clients still get GraphQL answers, and the CSRF rule still holds for bare GETs.
    expect((await server.client.get("{ __typename }")).data).toEqual({ __typename: "Query" });
    const bare = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "application/json" },
    });
    expect(bare.status).toBe(400);
    expect((await server.client.request(getIntrospectionQuery())).errors).toBeDefined();
    expect((await fetch(`${server.url}/playground/graphiql.min.js`)).status).toBe(404);
    // No redirect from / to a playground that is not there.
    expect((await fetch(`${server.url}/`, { redirect: "manual" })).status).toBe(404);
  });

  it("can be enabled in production together with introspection", async () => {
    const server = await start({
      NODE_ENV: "production",
      PLAYGROUND_ENABLED: "true",
      GRAPHQL_INTROSPECTION: "true",
    });
    const page = await openPage(server);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="playground-config"');
    await expect(introspect(server.client)).resolves.toBeDefined();
  });

  it("refuses to be enabled without introspection", () => {
    const attempt = () => loadConfig(testEnv({ NODE_ENV: "production", PLAYGROUND_ENABLED: "true" }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PLAYGROUND_ENABLED: the playground needs GRAPHQL_INTROSPECTION=true/);
    expect(() => loadConfig(testEnv({ PLAYGROUND_ENABLED: "true", GRAPHQL_INTROSPECTION: "false" }))).toThrow(
      /needs GRAPHQL_INTROSPECTION=true/,
    );
    expect(() => loadConfig(testEnv({ PLAYGROUND_ENABLED: "maybe" }))).toThrow(
      /PLAYGROUND_ENABLED: must be true or false/,
    );
  });

  it("follows introspection in development, and can be switched off", () => {
    expect(loadConfig(testEnv({ NODE_ENV: "development" })).playground.enabled).toBe(true);
    expect(loadConfig(testEnv({ GRAPHQL_INTROSPECTION: "false" })).playground.enabled).toBe(false);
    expect(loadConfig(testEnv({ PLAYGROUND_ENABLED: "false" })).playground.enabled).toBe(false);
  });

  it("says how to build the assets when they are missing", async () => {
    const app = express().use(
      playgroundRouter({
        endpoint: "/graphql",
        schema: buildSchema("type Query { me: String }"),
        assets: undefined,
        logger: createLogger("silent"),
      }),
    );
    const listener = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => listener.once("listening", resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const page = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("npm run playground:build");
    } finally {
      listener.close();
    }
  });
});
