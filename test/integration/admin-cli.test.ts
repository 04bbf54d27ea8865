import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { login, PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { auditEntries } from "../support/records";
import { startTestServer, testEnv, type TestServer } from "../support/test-server";

// `npm run admin:create` as an operator runs it: a separate process reading the environment.
const root = path.join(__dirname, "..", "..");

function adminCreate(args: string[], stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "src/cli/admin-create.ts", ...args],
      { cwd: root, env: { ...process.env, ...testEnv({ LOG_LEVEL: "warn" }) } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

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
      expect.objectContaining({ action: "USER_CREATED", actorId: null, details: { role: "ADMIN", isVerified: true } }),
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
    expect(usage.stderr).toMatch(/usage: admin:create --email/);
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
    const made = await adminCreate(["--email", `${local.normalize("NFD")}@example.com`, "--password", PASSWORD]);
    expect(made.code).toBe(0);
    expect(await server.container.db.user.count({ where: { email: `${local.normalize("NFC")}@example.com` } })).toBe(1);
  });
});
