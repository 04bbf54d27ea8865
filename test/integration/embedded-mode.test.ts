import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runAdminCreate } from "../support/admin-cli";
import { errorOf } from "../support/graphql-client";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { startGatewayProcess, runGatewayUntilExit, type GatewayProcess } from "../support/gateway-process";
import { op } from "../support/operations";
import { embeddedDatabase, loadConfig } from "../../src/config";
import { TEST_JWT_SECRET } from "../support/test-server";

// Each start compiles the gateway (ts-node) and opens PGlite: slow on a busy machine.
jest.setTimeout(120_000);

/**
 * `npm start` on a fresh clone: no DATABASE_URL, no REDIS_URL, no Kafka. The real entry point runs
 * as its own process on the embedded PostgreSQL (PGlite in a temporary data folder) and the
 * in-process Redis, and is driven over HTTP like any client would.
 */
describe("embedded defaults: the gateway with no external service", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-embedded-"));
  // No DATABASE_URL and no REDIS_URL: only what a developer trying it out might set.
  const env = {
    NODE_ENV: "development",
    EMBEDDED_DATA_DIR: dataDir,
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    BCRYPT_ROUNDS: "4",
    LOG_LEVEL: "info",
  };
  const email = uniqueEmail("embedded");
  let gateway: GatewayProcess | undefined;
  let firstSession: { userId: string; accessToken: string; refreshToken: string };

  afterAll(async () => {
    await gateway?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm run admin:create` in another terminal, on the same data folder. */
  const adminCreate = (args: string[], stdin: string) => runAdminCreate(args, env, stdin);

  it("starts, applies the migrations and says what is embedded", async () => {
    gateway = await startGatewayProcess(env);
    const banner = await gateway.waitForStdout(/No admin yet[\s\S]*─{20,}/);
    expect(banner).toContain(`Playground  ${gateway.url}/graphql`);
    expect(banner).toMatch(/Database\s+embedded PostgreSQL \(PGlite\)/);
    expect(banner).toMatch(/Redis\s+in-process/);
    expect(banner).toMatch(/Kafka\s+not configured: events wait in the outbox/);
    expect(banner).toContain("not for production");
    expect(banner).toContain("npm run admin:create -- --email admin@example.com --password-stdin");
    expect(banner).toContain("migrations applied");
    expect(fs.existsSync(path.join(dataDir, "pglite", "PG_VERSION"))).toBe(true);

    const readiness = await fetch(`${gateway.url}/health/readiness`);
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toMatchObject({ checks: { database: "up", redis: "up" } });
  });

  it("walks register, me, refresh and logout", async () => {
    const client = gateway!.client;
    const registered = await client.request(op("Register"), {
      input: { email, password: PASSWORD, name: "Embedded Ada" },
    });
    expect(registered.errors).toBeUndefined();
    const { accessToken, refreshToken, user } = registered.data!.register;

    const me = await client.request(op("Me"), {}, { token: accessToken });
    expect(me.data!.me).toMatchObject({ id: user.id, email, role: "USER" });

    // Rotation runs as a Lua script: in-process, exactly as on Redis.
    const refreshed = await client.request(op("RefreshToken"), { refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const next = refreshed.data!.refreshToken;
    expect(next.refreshToken).not.toBe(refreshToken);
    const reused = await client.request(op("RefreshToken"), { refreshToken: "not-a-token" });
    expect(errorOf(reused).code).toBe("TOKEN_INVALID");

    const loggedOut = await client.request(op("Logout"), {}, { token: next.accessToken });
    expect(loggedOut.data).toEqual({ logout: true });
    const after = await client.request(op("Me"), {}, { token: next.accessToken });
    expect(errorOf(after)).toMatchObject({ code: "UNAUTHENTICATED", reason: "SESSION_NOT_FOUND" });

    // A live session to look for after the restart.
    const login = await client.request(op("Login"), { input: { email, password: PASSWORD } });
    firstSession = { userId: user.id, ...login.data!.login };
  });

  it("refuses a second gateway on the same data folder while the first runs", async () => {
    const second = await runGatewayUntilExit(env);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /^embedded database: .*(is in use by process \d+|another process serves the embedded database)/,
    );
    // The first one is untouched.
    expect((await fetch(`${gateway!.url}/health/readiness`)).status).toBe(200);
  });

  it("makes the first admin with admin:create, the password on standard input, beside the running gateway", async () => {
    const created = await adminCreate(
      ["--email", uniqueEmail("embedded-admin"), "--password-stdin"],
      PASSWORD,
    );
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toMatch(/^created ADMIN /);
  });

  it("keeps users across a restart; sessions, being in-process, end with the process", async () => {
    expect(await gateway!.stop()).toBe(0);
    gateway = await startGatewayProcess(env);
    const client = gateway.client;
    // An admin exists now: the banner stops offering the first-admin command.
    const banner = await gateway.waitForStdout(/(─{78})[\s\S]*\1/);
    expect(banner).toContain("Aegis identity gateway is ready");
    expect(banner).not.toContain("No admin yet");

    const login = await client.request(op("Login"), { input: { email, password: PASSWORD } });
    expect(login.errors).toBeUndefined();
    expect(login.data!.login.user.id).toBe(firstSession.userId);

    const oldAccess = await client.request(op("Me"), {}, { token: firstSession.accessToken });
    expect(errorOf(oldAccess)).toMatchObject({ code: "UNAUTHENTICATED", reason: "SESSION_NOT_FOUND" });
    const oldRefresh = await client.request(op("RefreshToken"), { refreshToken: firstSession.refreshToken });
    expect(errorOf(oldRefresh).code).toBe("SESSION_NOT_FOUND");
  });

  it("starts again after being killed, over the lock and socket the dead process left", async () => {
    const lateEmail = uniqueEmail("late");
    const late = await gateway!.client.request(op("Register"), {
      input: { email: lateEmail, password: PASSWORD, name: "Registered Late" },
    });
    expect(late.errors).toBeUndefined();
    gateway!.child.kill("SIGKILL");
    await gateway!.stop();
    expect(fs.existsSync(path.join(dataDir, "pglite.lock"))).toBe(true);

    gateway = await startGatewayProcess(env);
    for (const [who, id] of [
      [email, firstSession.userId],
      [lateEmail, late.data!.register.user.id],
    ]) {
      const login = await gateway.client.request(op("Login"), { input: { email: who, password: PASSWORD } });
      expect(login.data!.login.user.id).toBe(id);
    }
  });
});

describe("production refuses embedded defaults", () => {
  it("exits naming DATABASE_URL and REDIS_URL", async () => {
    const result = await runGatewayUntilExit({
      NODE_ENV: "production",
      JWT_SECRET_KEY: TEST_JWT_SECRET,
      ONE_TIME_LINK_SECRET: TEST_JWT_SECRET,
      EMBEDDED_DATA_DIR: path.join(os.tmpdir(), "aegis-never-created"),
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^config: DATABASE_URL: required in production/),
      expect.stringMatching(/^config: REDIS_URL: required in production/),
    ]);
    expect(fs.existsSync(path.join(os.tmpdir(), "aegis-never-created"))).toBe(false);
  });

  it("names only what is missing", async () => {
    const result = await runGatewayUntilExit({
      NODE_ENV: "production",
      JWT_SECRET_KEY: TEST_JWT_SECRET,
      ONE_TIME_LINK_SECRET: TEST_JWT_SECRET,
      REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^config: DATABASE_URL: required in production/),
    ]);
  });
});

describe("embedded configuration", () => {
  it("serves the database on a socket in the data folder, or in the temp folder when too long", () => {
    const near = embeddedDatabase("/srv/aegis/.data");
    expect(near).toMatchObject({
      pgliteDir: "/srv/aegis/.data/pglite",
      socketPath: "/srv/aegis/.data/.s.PGSQL.5432",
      url: "postgresql://postgres@localhost:5432/postgres?host=%2Fsrv%2Faegis%2F.data",
    });
    const deep = embeddedDatabase(`/srv/${"nested/".repeat(15)}.data`);
    expect(deep.pgliteDir).toBe(`/srv/${"nested/".repeat(15)}.data/pglite`);
    expect(path.dirname(deep.socketDir)).toBe(os.tmpdir());
    expect(Buffer.byteLength(deep.socketPath)).toBeLessThanOrEqual(100);
    expect(embeddedDatabase(`/srv/${"nested/".repeat(15)}.data`).socketPath).toBe(deep.socketPath);
  });

  it("embeds only what is unset", () => {
    const both = loadConfig({ EMBEDDED_DATA_DIR: "/srv/aegis/.data", REDIS_KEY_PREFIX: "x:" });
    expect(both.embedded).toEqual({ database: embeddedDatabase("/srv/aegis/.data"), redis: true });
    expect(both.databaseUrl).toBe(embeddedDatabase("/srv/aegis/.data").url);
    expect(both.redis).toMatchObject({ topology: { kind: "in-process" }, keyPrefix: "" });

    const real = loadConfig({
      DATABASE_URL: "postgresql://db/x",
      REDIS_URL: "redis://cache:6379",
      REDIS_KEY_PREFIX: "x:",
    });
    expect(real.embedded).toEqual({ database: undefined, redis: false });
    expect(real.databaseUrl).toBe("postgresql://db/x");
    expect(real.redis).toMatchObject({
      topology: { kind: "single", url: "redis://cache:6379" },
      keyPrefix: "x:",
    });
  });
});
