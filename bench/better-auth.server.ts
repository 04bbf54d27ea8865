import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { bearer } from "better-auth/plugins";
import { Pool } from "pg";

/**
 * The peer baseline: better-auth (email and password, bearer sessions) on its own database of the
 * same PostgreSQL, served from node:http as its docs show. It signs up `users` accounts, signs each
 * in over HTTP as a client would and hands the bench their bearer tokens; the load then calls
 * better-auth's session check (GET /api/auth/get-session), its counterpart of our `me`.
 * Usage (forked by processes.ts): better-auth.server.ts <database url> <users>
 */

async function main() {
  const [databaseUrl, users = "50"] = process.argv.slice(2);
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  // The address first: better-auth checks request origins against its baseURL.
  let handle: ReturnType<typeof toNodeHandler> | undefined;
  const server = createServer((req, res) => void handle!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = betterAuth({
    database: pool,
    secret: randomBytes(32).toString("hex"),
    baseURL: base,
    emailAndPassword: { enabled: true },
    plugins: [bearer()],
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();

  handle = toNodeHandler(auth);

  const tokens: string[] = [];
  for (let i = 0; i < Number(users); i++) {
    const credentials = { email: `peer.${i}@example.com`, password: "Bench!Passw0rd", name: `Peer ${i}` };
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify(credentials),
    });
    if (!signUp.ok) throw new Error(`better-auth sign-up: ${signUp.status} ${await signUp.text()}`);
    const signIn = await fetch(`${base}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ email: credentials.email, password: credentials.password }),
    });
    const token = signIn.headers.get("set-auth-token");
    if (!signIn.ok || !token) throw new Error(`better-auth sign-in: ${signIn.status} ${await signIn.text()}`);
    tokens.push(token);
  }
  process.send?.({ url: `${base}/api/auth/get-session`, tokens });
  process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
}

main().catch((error: Error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
