// Never "ready" when it cannot serve. The real entry point, as its own process, refuses to start
// with one line naming what is wrong and the command or variable that fixes it, and exit code 1:
// a database that is unreachable, missing, refusing our credentials or without this release's
// migrations; Redis unreachable; the port taken. MIGRATE_ON_START=true applies the migrations
// instead. Readiness asks the database question again on every call.
import net from "node:net";
import { Client } from "pg";
import { createDatabase, createMigratedDatabase, dropDatabase, uniqueName } from "../support/test-db";
import { runAdminCreate } from "../support/admin-cli";
import { PASSWORD, uniqueEmail } from "../support/factories";
import { runGatewayUntilExit, startGatewayProcess } from "../support/gateway-process";
import { startTestServer, testEnv } from "../support/test-server";

const env = (overrides: Record<string, string>) =>
  ({ ...testEnv({ LOG_LEVEL: "info", LOG_FORMAT: "json", ...overrides }) }) as Record<string, string>;

const databaseUrl = process.env.TEST_DATABASE_URL!;
const withDatabase = (name: string) => {
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** The one line on stderr (nothing else there: no stack trace), and no "ready" on stdout. */
async function refusal(overrides: Record<string, string>): Promise<string> {
  // Generous: the port check comes after the whole application has loaded, slow on a busy machine.
  const run = await runGatewayUntilExit(env(overrides), 150_000);
  expect(run.code).toBe(1);
  expect(run.stdout).not.toMatch(/identity gateway ready/);
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

// Spawned processes are slow to start: the refusals run side by side.
it("refuses a database it cannot use, and Redis or a port it cannot have, each in one line", async () => {
  const empty = uniqueName("startup_empty");
  await createDatabase(empty);
  const occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
  const port = (occupied.address() as net.AddressInfo).port;
  try {
    // These refuse before the application loads, within a second or two each.
    const [unreachable, missing, credentials, unmigrated, redis] = await Promise.all([
      refusal({ DATABASE_URL: "postgresql://root@127.0.0.1:1/identity" }),
      refusal({ DATABASE_URL: withDatabase("no_such_database_here") }),
      refusal({ DATABASE_URL: "postgresql://nobody_here:secret@127.0.0.1:5432/postgres" }),
      refusal({ DATABASE_URL: withDatabase(empty) }),
      refusal({ REDIS_URL: "redis://127.0.0.1:1" }),
    ]);
    const [portInUse, cli] = await Promise.all([
      refusal({ PORT: String(port) }),
      // The other entry point that opens the database: the same diagnosis.
      runAdminCreate(
        ["--email", uniqueEmail("cli"), "--password", PASSWORD],
        env({ DATABASE_URL: withDatabase(empty) }),
      ),
    ]);
    expect(cli).toMatchObject({ code: 1, stdout: "" });
    expect(cli.stderr.trim()).toBe(unmigrated);
    expect(unreachable).toMatch(
      /^database: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(ECONNREFUSED\): start it, or fix the host and port in DATABASE_URL$/,
    );
    expect(missing).toMatch(
      /^database: database "no_such_database_here" does not exist on .*: create it \(`createdb no_such_database_here`\), then apply the migrations with `npm run db:migrate`/,
    );
    expect(credentials).toMatch(
      /^database: PostgreSQL at 127\.0\.0\.1:5432 refused user "nobody_here" \(wrong user or password\): fix the credentials in DATABASE_URL$/,
    );
    expect(credentials).not.toContain("secret");
    expect(unmigrated).toMatch(
      /^database: no migrations are applied in this database: run `npm run db:migrate`.*MIGRATE_ON_START=true$/,
    );
    expect(redis).toMatch(
      /^redis: cannot reach Redis \(redis:\/\/127\.0\.0\.1:1\): ECONNREFUSED; start it, or fix REDIS_URL/,
    );
    expect(portInUse).toBe(
      `port: port ${port} on 127.0.0.1 is already in use by another process: stop it, or set PORT to a free port`,
    );
  } finally {
    occupied.close();
    await dropDatabase(empty);
  }
}, 300_000);

it("names the migrations that are missing, and MIGRATE_ON_START=true applies them", async () => {
  const database = await createMigratedDatabase("startup_behind");
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    // A database one release behind: the newest migration was never applied.
    const { rows } = await client.query<{ migration_name: string }>(
      "DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations) RETURNING migration_name",
    );
    const newest = rows[0]!.migration_name;
    const line = await refusal({ DATABASE_URL: database.url });
    expect(line).toBe(
      `database: 1 migration(s) not applied (${newest}) in this database: run \`npm run db:migrate\` (in the image: \`node dist/db/migrate.js\`), or start with MIGRATE_ON_START=true`,
    );

    // Applying it again needs a database without its objects: start from an empty one.
    const empty = uniqueName("startup_migrate");
    const url = await createDatabase(empty);
    try {
      const gateway = await startGatewayProcess(
        env({ DATABASE_URL: url, MIGRATE_ON_START: "true" }),
        150_000,
      );
      try {
        const ready = await fetch(`${gateway.url}/health/readiness`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ checks: { database: "up" } });
        expect(gateway.stdout()).toMatch(/MIGRATE_ON_START: migrations applied/);
      } finally {
        await gateway.stop();
      }
    } finally {
      await dropDatabase(empty);
    }
  } finally {
    await client.end();
    await database.drop();
  }
}, 240_000);

it("readiness fails, naming the fix, when the database loses a migration while running", async () => {
  const database = await createMigratedDatabase("readiness_migrations");
  const server = await startTestServer({ DATABASE_URL: database.url });
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(200);
    const { rows } = await client.query<{ migration_name: string }>(
      "DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations) RETURNING migration_name",
    );
    const ready = await fetch(`${server.url}/health/readiness`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: "not ready",
      checks: { database: "down", redis: "up" },
      failed: ["database"],
      problems: { database: expect.stringContaining(`(${rows[0]!.migration_name})`) },
    });
  } finally {
    await client.end();
    await server.stop();
    await database.drop();
  }
});
