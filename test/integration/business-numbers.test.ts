import { performance } from "node:perf_hooks";
import { createAdmin, PASSWORD, registerUser, uniqueEmail, type Session } from "../support/factories";
import {
  randomBusinessNumber,
  startFakeRegistry,
  withWrongCheckDigit,
  type FakeRegistry,
} from "../support/fake-registry";
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { waitFor } from "../support/kafka-consumer";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

const register = (server: TestServer, businessNumber: string | null) =>
  server.client.request(op("RegisterBusiness"), {
    input: { email: uniqueEmail("biz"), password: PASSWORD, name: "Biz Owner", businessNumber },
  });
const registered = (response: GraphQLResponse) => {
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.register.user;
};
const update = (server: TestServer, session: Session, businessNumber: string | null) =>
  server.client.request(op("UpdateBusiness"), { input: { businessNumber } }, { token: session.accessToken });

function expectBadNumber(response: GraphQLResponse) {
  expect(errorOf(response)).toMatchObject({
    code: "BAD_USER_INPUT",
    fields: { businessNumber: expect.stringContaining("123-45-67890") },
  });
}

describe("business numbers without a registry", () => {
  let server: TestServer;
  let admin: Session;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await createAdmin(server);
  });
  afterAll(() => server.stop());

  it.each([
    ["2208162517", "220-81-62517"],
    ["220-81-62517", "220-81-62517"],
    [" 124-8100998 ", "124-81-00998"],
  ])("register normalises %p to %p, saved UNVERIFIED", async (input, stored) => {
    const user = registered(await register(server, input));
    expect(user).toMatchObject({
      businessNumber: stored,
      businessNumberStatus: "UNVERIFIED",
      businessVerifiedAt: null,
    });
  });

  it.each([
    ["a wrong check digit", withWrongCheckDigit("220-81-62517")],
    ["too few digits", "220-81-6251"],
    ["too many digits", "220-81-625170"],
    ["letters", "22O-81-62517"],
    ["dashes in the wrong places", "2208-1-62517"],
  ])("refuses %s with BAD_USER_INPUT, on register, updateProfile and adminCreateUser", async (_what, bad) => {
    expectBadNumber(await register(server, bad));
    const session = await registerUser(server.client);
    expectBadNumber(await update(server, session, bad));
    const created = await server.client.request(
      op("AdminCreateBusiness"),
      { input: { email: uniqueEmail(), password: PASSWORD, name: "Made By Admin", businessNumber: bad } },
      { token: admin.accessToken },
    );
    expectBadNumber(created);
    // Nothing stored.
    expect(
      (await server.client.request(op("Me"), {}, { token: session.accessToken })).data!.me.businessNumber,
    ).toBeNull();
  });

  it("updateProfile and adminCreateUser normalise too; clearing the number clears its status", async () => {
    const session = await registerUser(server.client);
    const updated = await update(server, session, "124 81 00998".replace(/ /g, ""));
    expect(updated.data!.updateProfile).toMatchObject({
      businessNumber: "124-81-00998",
      businessNumberStatus: "UNVERIFIED",
    });
    const cleared = await update(server, session, null);
    expect(cleared.data!.updateProfile).toMatchObject({ businessNumber: null, businessNumberStatus: null });

    const created = await server.client.request(
      op("AdminCreateBusiness"),
      {
        input: {
          email: uniqueEmail(),
          password: PASSWORD,
          name: "Made By Admin",
          businessNumber: "2208162517",
        },
      },
      { token: admin.accessToken },
    );
    expect(created.data!.adminCreateUser).toMatchObject({
      businessNumber: "220-81-62517",
      businessNumberStatus: "UNVERIFIED",
    });
  });

  it("an account without a number has no status", async () => {
    expect(registered(await register(server, null))).toMatchObject({
      businessNumber: null,
      businessNumberStatus: null,
    });
  });
});

describe("the registry check", () => {
  let registry: FakeRegistry;
  let server: TestServer;
  beforeAll(async () => {
    registry = await startFakeRegistry();
    server = await startTestServer({
      BUSINESS_REGISTRY_URL: registry.url,
      BUSINESS_REGISTRY_API_KEY: "test-service-key",
      BUSINESS_REGISTRY_TIMEOUT_MS: "1000",
    });
  });
  afterAll(async () => {
    await server.stop();
    await registry.stop();
  });

  it("asks the registry with the digits and the service key, and stores its answer", async () => {
    const number = randomBusinessNumber();
    registry.set(number, { kind: "status", code: "01" });
    const before = Date.now();
    const user = registered(await register(server, number));
    expect(user).toMatchObject({ businessNumber: number, businessNumberStatus: "ACTIVE" });
    expect(new Date(user.businessVerifiedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(registry.calls.at(-1)).toEqual({
      path: "/api/nts-businessman/v1/status",
      serviceKey: "test-service-key",
      body: { b_no: [number.replace(/-/g, "")] },
    });
  });

  it.each([
    ["02", "SUSPENDED"],
    ["03", "CLOSED"],
    ["", "NOT_REGISTERED"],
  ] as const)("stores code %p as %s (the profile is saved either way)", async (code, status) => {
    const number = randomBusinessNumber();
    registry.set(number, { kind: "status", code });
    expect(registered(await register(server, number))).toMatchObject({
      businessNumber: number,
      businessNumberStatus: status,
    });
  });

  it("checks a changed number on updateProfile and on adminCreateUser", async () => {
    const session = await registerUser(server.client);
    const number = randomBusinessNumber();
    registry.set(number, { kind: "status", code: "03" });
    expect((await update(server, session, number)).data!.updateProfile.businessNumberStatus).toBe("CLOSED");

    const admin = await createAdmin(server);
    const other = randomBusinessNumber();
    const created = await server.client.request(
      op("AdminCreateBusiness"),
      { input: { email: uniqueEmail(), password: PASSWORD, name: "Made By Admin", businessNumber: other } },
      { token: admin.accessToken },
    );
    expect(created.data!.adminCreateUser.businessNumberStatus).toBe("ACTIVE");
  });

  it("a registry error saves the profile UNVERIFIED; saving the number again later checks it again", async () => {
    const number = randomBusinessNumber();
    registry.set(number, { kind: "error", status: 503 });
    const session = await registerUser(server.client, { businessNumber: number });
    const stored = await server.container.db.user.findUniqueOrThrow({ where: { id: session.user.id } });
    expect(stored).toMatchObject({
      businessNumber: number,
      businessNumberStatus: "UNVERIFIED",
      businessVerifiedAt: null,
    });

    registry.set(number, { kind: "status", code: "01" });
    const again = await update(server, session, number);
    expect(again.data!.updateProfile).toMatchObject({
      businessNumber: number,
      businessNumberStatus: "ACTIVE",
    });
    const events = await server.container.db.outboxEvent.findMany({
      where: { key: session.user.id, eventType: "user.updated" },
    });
    expect(events.map((e) => (e.payload as any).data.updatedFields.sort())).toEqual([
      ["businessNumberStatus", "businessVerifiedAt"],
    ]);
    // Saved again while ACTIVE: nothing to check, nothing changes.
    const calls = registry.calls.length;
    expect((await update(server, session, number)).errors).toBeUndefined();
    expect(registry.calls).toHaveLength(calls);
  });

  it("an answer without the number counts as a failure: UNVERIFIED", async () => {
    const number = randomBusinessNumber();
    registry.set(number, { kind: "garbage" });
    expect(registered(await register(server, number)).businessNumberStatus).toBe("UNVERIFIED");
  });
});

describe("the registry client's timeout and circuit breaker", () => {
  let registry: FakeRegistry;
  let server: TestServer;
  beforeAll(async () => {
    registry = await startFakeRegistry();
    server = await startTestServer({
      BUSINESS_REGISTRY_URL: registry.url,
      BUSINESS_REGISTRY_TIMEOUT_MS: "300",
      BUSINESS_REGISTRY_BREAKER_VOLUME: "3",
      BUSINESS_REGISTRY_BREAKER_ERROR_PERCENT: "50",
      BUSINESS_REGISTRY_BREAKER_RESET_SECONDS: "1",
    });
  });
  afterAll(async () => {
    await server.stop();
    await registry.stop();
  });

  const timed = async (number: string) => {
    const started = performance.now();
    const user = registered(await register(server, number));
    return { user, ms: performance.now() - started };
  };

  it("gives up on a slow registry after the timeout, opens after repeated failures, and closes when it answers again", async () => {
    // A registry that takes 5 s: the registration waits about the timeout (300 ms), not 5 s.
    registry.setDefault({ kind: "slow", ms: 5000 });
    const slow = await timed(randomBusinessNumber());
    expect(slow.user.businessNumberStatus).toBe("UNVERIFIED");
    expect(slow.ms).toBeGreaterThanOrEqual(250);
    expect(slow.ms).toBeLessThan(3000);

    // Two errors more: three failures of three calls, the breaker opens.
    registry.setDefault({ kind: "error", status: 500 });
    for (let i = 0; i < 2; i++)
      expect((await timed(randomBusinessNumber())).user.businessNumberStatus).toBe("UNVERIFIED");
    expect(registry.calls).toHaveLength(3);
    expect(server.container.registry!.state).toBe("open");
    expect(server.logs.some((l) => String(l.msg).includes("business registry circuit open"))).toBe(true);

    // Open: the registry is left alone, so registrations do not wait for it, even if it is slow.
    registry.setDefault({ kind: "slow", ms: 5000 });
    const skipped = await timed(randomBusinessNumber());
    expect(skipped.user.businessNumberStatus).toBe("UNVERIFIED");
    expect(registry.calls).toHaveLength(3); // not asked, so nothing to wait for

    // After the reset timeout one trial call goes through; a good answer closes the breaker.
    registry.setDefault({ kind: "status", code: "01" });
    await waitFor(() => server.container.registry!.state === "halfOpen", 5000, "the breaker to half-open");
    expect((await timed(randomBusinessNumber())).user.businessNumberStatus).toBe("ACTIVE");
    expect(server.container.registry!.state).toBe("closed");
    expect((await timed(randomBusinessNumber())).user.businessNumberStatus).toBe("ACTIVE");
    expect(registry.calls).toHaveLength(5);
  });
});
