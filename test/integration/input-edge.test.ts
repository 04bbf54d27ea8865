import { randomUUID } from "node:crypto";
import { buildBareSchema } from "../../src/graphql/schema";
import { PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { sample, scrape } from "../support/metrics";
import { op } from "../support/operations";
import { generateCalls, withValueAt } from "../support/schema-inputs";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * Input that is not what it claims, at the edge of every operation: text with control or
 * formatting characters, one mailbox spelt two ways, addresses no person can have, and federation
 * representations and persisted queries a router would never send. All are the client's mistake:
 * a clear BAD_USER_INPUT (or the registry's code) naming the field, never INTERNAL_SERVER_ERROR.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const errorLines = () => server.logs.filter((line) => Number(line.level) >= 50);
const register = (input: Record<string, unknown>) =>
  server.client.request(op("Register"), {
    input: { email: uniqueEmail(), password: PASSWORD, name: "Test User", ...input },
  });

describe("text with control or formatting characters", () => {
  it.each([
    ["NUL", "Ada\u0000Lovelace"],
    ["CR/LF", "Ada\r\nBcc: victim@example.com"],
    ["BEL", "Ada\u0007"],
    ["RIGHT-TO-LEFT OVERRIDE", "Ada \u202Egnp.exe"],
    ["ZERO WIDTH SPACE", "Ad\u200Ba"],
  ])("refuses %s in register.name with BAD_USER_INPUT naming the field", async (_what, name) => {
    const before = errorLines().length;
    const response = await register({ name });
    expect(errorOf(response)).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "input.name": expect.stringMatching(/control or invisible formatting/) },
    });
    expect(errorLines().length).toBe(before);
  });

  it("keeps the joiners scripts need (ZWNJ in Persian, ZWJ in emoji sequences)", async () => {
    const response = await register({ name: "می\u200Cخواهم 👩\u200D💻" });
    expect(response.errors).toBeUndefined();
  });

  it("refuses NUL in a login e-mail and in updateProfile.region, naming the field", async () => {
    const login = await server.client.request(op("Login"), {
      input: { email: "ada\u0000@example.com", password: PASSWORD },
    });
    expect(errorOf(login)).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "input.email": expect.any(String) },
    });

    const session = await registerUser(server.client);
    const update = await server.client.request(
      op("UpdateProfile"),
      { input: { region: "Seoul\u0000" } },
      { token: session.accessToken },
    );
    expect(errorOf(update)).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "input.region": expect.any(String) },
    });
    expect(errorLines()).toEqual([]);
  });

  it("refuses a NUL in every string input of every root field, generated from the schema", async () => {
    const schema = await buildBareSchema();
    const calls = [...generateCalls(schema, "query"), ...generateCalls(schema, "mutation")];
    const answers: Array<[string, string, unknown]> = [];
    for (const call of calls) {
      for (const position of call.strings) {
        const variables = withValueAt(call.variables, position.variablePath, "x\u0000y");
        const response = await server.client.request(call.query, variables);
        const error = response.errors?.[0]?.extensions;
        answers.push([call.field, position.path, error?.code === "BAD_USER_INPUT" ? error.fields : error]);
      }
    }
    expect(answers.length).toBeGreaterThan(30);
    for (const [field, path, fields] of answers) {
      expect({ field, path, fields }).toEqual({ field, path, fields: { [path]: expect.any(String) } });
    }
    expect(errorLines()).toEqual([]);
  });
});

describe("one mailbox, one account", () => {
  it("treats NFC and NFD spellings of an address as one", async () => {
    const local = `café.${randomUUID().slice(0, 8)}`;
    const composed = `${local.normalize("NFC")}@example.com`;
    const decomposed = `${local.normalize("NFD")}@example.com`;
    expect(composed).not.toBe(decomposed);
    expect((await register({ email: composed })).errors).toBeUndefined();
    expect(errorOf(await register({ email: decomposed })).code).toBe("EMAIL_ALREADY_EXISTS");
    // and the other spelling signs in to the same account
    const login = await server.client.request(op("Login"), {
      input: { email: decomposed, password: PASSWORD },
    });
    expect(login.data?.login.user.email).toBe(composed.normalize("NFC"));
  });

  it("treats a Unicode domain and its ASCII (punycode) form as one", async () => {
    const local = `reader.${randomUUID().slice(0, 8)}`;
    const first = await register({ email: `${local}@bücher.de` });
    expect(first.data?.register.user.email).toBe(`${local}@xn--bcher-kva.de`);
    expect(errorOf(await register({ email: `${local}@xn--bcher-kva.de` })).code).toBe("EMAIL_ALREADY_EXISTS");
    expect(errorOf(await register({ email: `${local}@BÜCHER.de` })).code).toBe("EMAIL_ALREADY_EXISTS");
  });

  it.each([
    "someone@deleted.invalid",
    "a@mail.test",
    "a@printer.local",
    "a@x.localhost",
    "a@shop.onion",
    "a@router.home.arpa",
    "a@gmail.con",
  ])("refuses %s, a domain no mailbox can be in", async (email) => {
    expect(errorOf(await register({ email }))).toMatchObject({
      code: "INVALID_EMAIL_FORMAT",
      field: "email",
    });
  });

  it("cannot register an erased account's placeholder, so erasing that person still works", async () => {
    const victim = await registerUser(server.client);
    const squat = await register({ email: `deleted_${victim.user.id}@deleted.invalid` });
    expect(errorOf(squat).code).toBe("INVALID_EMAIL_FORMAT");
    const erased = await server.client.request(
      op("DeleteMyAccount"),
      { password: PASSWORD },
      { token: victim.accessToken },
    );
    expect(erased.errors).toBeUndefined();
    expect(erased.data?.deleteMyAccount).toBe(true);
  });
});

describe("federation representations and persisted queries a router never sends", () => {
  let session: { accessToken: string };
  beforeAll(async () => {
    session = await registerUser(server.client);
  });
  const entities = (representations: unknown) =>
    server.client.request(op("UserEntities"), { representations }, { token: session.accessToken });

  it("answers an unknown __typename, a missing id and a 40 000-deep array with BAD_USER_INPUT", async () => {
    expect(errorOf(await entities([{ __typename: "Policy", id: randomUUID() }]))).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "representations.0.__typename": expect.any(String) },
    });
    expect(errorOf(await entities([{ __typename: "User" }]))).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: { "representations.0.id": expect.any(String) },
    });
    // Written by hand: JSON.stringify itself overflows the stack on this.
    const deep = `${"[".repeat(40_000)}${"]".repeat(40_000)}`;
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.accessToken}` },
      body: `{"query":${JSON.stringify(op("UserEntities"))},"variables":{"representations":[{"__typename":"User","id":"${randomUUID()}","extra":${deep}}]}}`,
    });
    const nested = (await response.json()) as { errors: Array<{ extensions: Record<string, any> }> };
    expect(nested.errors[0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      fields: {
        [Object.keys(nested.errors[0]!.extensions.fields)[0]!]: expect.stringMatching(/nests more than/),
      },
    });
    expect(errorLines()).toEqual([]);
  });

  it("answers a persisted query of an unknown version as a client error", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "{ __typename }",
        extensions: { persistedQuery: { version: 2, sha256Hash: "0".repeat(64) } },
      }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(response.status).toBe(400);
    expect(body.errors[0]!.extensions.code).not.toBe("INTERNAL_SERVER_ERROR");
    expect(errorLines()).toEqual([]);
  });

  it("counts all of these as client errors in the metrics, none as server errors", async () => {
    await entities([{ __typename: "Nope", id: "1" }]);
    const metrics = await scrape(server.url);
    expect(
      sample(metrics, "graphql_requests_total", { operation: "UserEntities", outcome: "client_error" }),
    ).toBeGreaterThan(0);
    expect(sample(metrics, "graphql_requests_total", { outcome: "server_error" }) ?? 0).toBe(0);
  });
});
