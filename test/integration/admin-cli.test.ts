import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { runAdminCreate } from "../support/admin-cli";
import { serviceEnvironment } from "../support/compose";
import { login, PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { auditEntries } from "../support/records";
import {
  startTestServer,
  TEST_JWT_SECRET,
  TEST_LINK_SECRET,
  testEnv,
  type TestServer,
} from "../support/test-server";

// `npm run admin:create` as an operator runs it: a separate process reading the environment.
const root = path.join(__dirname, "..", "..");

const adminCreate = (
  args: string[],
  stdin?: string,
  env: NodeJS.ProcessEnv = { ...process.env, ...testEnv({ LOG_LEVEL: "warn" }) },
) => runAdminCreate(args, env, stdin);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const users = (token: string) => server.client.request(op("Users"), { first: 1 }, { token });

describe("npm run admin:create", () => {
  it("creates an ADMIN that can use the admin API at once, and a second run changes nothing", async () => {
    const email = uniqueEmail("first-admin");
    const created = await adminCreate(["--email", email, "--password", PASSWORD, "--name", "First Admin"]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toMatch(new RegExp(`^created ADMIN ${email} \\(`));

    const session = await login(server.client, email);
    expect(session.user).toMatchObject({ role: "ADMIN", name: "First Admin", isVerified: true });
    expect((await users(session.accessToken)).errors).toBeUndefined();

    const again = await adminCreate(["--email", email.toUpperCase(), "--password", PASSWORD]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already an active ADMIN; nothing changed/);
    expect(await server.container.db.user.count({ where: { email } })).toBe(1);
    expect(await auditEntries(server, session.user.id)).toEqual([
      expect.objectContaining({
        action: "USER_CREATED",
        actorId: null,
        details: { role: "ADMIN", isVerified: true },
      }),
    ]);
    expect((await users(session.accessToken)).errors).toBeUndefined();
  });

  it("promotes an existing user, keeping their password, with the password read from stdin", async () => {
    const user = await registerUser(server.client);
    const result = await adminCreate(["--email", user.user.email, "--password-stdin"], "Other!Passw0rd\n");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is now an active ADMIN; their password is unchanged/);

    // Sessions opened under the old role end.
    expect(errorOf(await server.client.request(op("Me"), {}, { token: user.accessToken })).code).toBe(
      "UNAUTHENTICATED",
    );
    const session = await login(server.client, user.user.email, user.password);
    expect(session.user.role).toBe("ADMIN");
    expect((await auditEntries(server, user.user.id)).map((e) => [e.action, e.actorId, e.details])).toEqual([
      ["ROLE_CHANGED", null, { oldRole: "USER", newRole: "ADMIN" }],
    ]);
  });

  it("refuses a weak password and wrong usage, creating nothing", async () => {
    const email = uniqueEmail("weak-admin");
    const [weak, usage] = await Promise.all([
      adminCreate(["--email", email, "--password", "admin123"]),
      adminCreate(["--email", email]),
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^refused: Password is too weak: .*an upper-case letter/);
    expect(weak.stdout).toBe("");

    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(
      /^usage: npm run admin:create -- --email <email> \(--password-stdin \| --password <password>\)/,
    );
    expect(usage.stderr).toContain("(--help for more)");
    expect(await server.container.db.user.count({ where: { email } })).toBe(0);
  });

  it("applies the input rules of register: a reserved domain, a control character, one NFC spelling", async () => {
    const [reserved, control] = await Promise.all([
      adminCreate(["--email", `deleted_${randomUUID()}@deleted.invalid`, "--password", PASSWORD]),
      adminCreate(["--email", uniqueEmail("cli"), "--password", PASSWORD, "--name", "Ada\r\nBcc: x"]),
    ]);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/^refused: Email address is not valid/);
    expect(control.code).toBe(1);
    expect(control.stderr).toMatch(/^refused: Invalid input: name must not contain control/);
    const local = `zoë.${randomUUID().slice(0, 8)}`;
    const made = await adminCreate([
      "--email",
      `${local.normalize("NFD")}@example.com`,
      "--password",
      PASSWORD,
    ]);
    expect(made.code).toBe(0);
    expect(
      await server.container.db.user.count({ where: { email: `${local.normalize("NFC")}@example.com` } }),
    ).toBe(1);
  });

  it("prints its usage with --help, and changes nothing", async () => {
    const help = await adminCreate(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(
      /^usage: npm run admin:create -- --email <email> \(--password-stdin \| --password <password>\)/,
    );
    expect(help.stdout).toContain("--password-stdin       read the password from standard input");
    expect(help.stdout).toContain("Exit codes: 0 done or nothing to do, 1 refused or failed, 2 wrong usage.");
    expect((await adminCreate(["-h"])).stdout).toBe(help.stdout);
  });

  it("asks for the password at a terminal and shows nothing of it", async () => {
    // A real terminal: util-linux's `script` gives the CLI a pseudo-terminal; the password is
    // typed into it as a person would.
    const email = uniqueEmail("tty-admin");
    const command = `${process.execPath} -r ts-node/register/transpile-only src/cli/admin-create.ts --email ${email} --password-stdin`;
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: root,
        env: { ...process.env, ...testEnv({ LOG_LEVEL: "warn" }) },
      });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
        if (output.includes("Password (not shown): ") && !child.stdin.writableEnded)
          child.stdin.end(`${PASSWORD}\r`);
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
    expect(result.output).toContain("Password (not shown): ");
    expect(result.output).toContain(`created ADMIN ${email}`);
    expect(result.output).not.toContain(PASSWORD);
    expect(result.code).toBe(0);
    expect((await login(server.client, email)).user.role).toBe("ADMIN");
  });

  it("runs with the compose gateway's own environment (production), as docker compose exec runs it", async () => {
    const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8")) as {
      services: { gateway: { environment: Record<string, unknown> } };
    };
    // The container's environment, with this machine's PostgreSQL and Redis in place of the
    // stack's; no broker (the CLI publishes nothing itself: its events wait in the outbox).
    const containerEnv: Record<string, string> = {
      ...serviceEnvironment(compose.services.gateway.environment, {
        JWT_SECRET_KEY: TEST_JWT_SECRET,
        ONE_TIME_LINK_SECRET: TEST_LINK_SECRET,
      }),
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: process.env.TEST_REDIS_PREFIX!,
      KAFKA_BOOTSTRAP_SERVERS: "",
    };
    expect(containerEnv.NODE_ENV).toBe("production");
    const email = uniqueEmail("compose-admin");
    const created = await adminCreate(["--email", email, "--password-stdin"], `${PASSWORD}\n`, {
      PATH: process.env.PATH,
      ...containerEnv,
    });
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toMatch(new RegExp(`^created ADMIN ${email} `));
    expect((await login(server.client, email)).user.role).toBe("ADMIN");
  });
});
