import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { applyMigrations } from "../../src/db/migrate";
import { databaseServer } from "../../scripts/dev-services";

/** Admin connection for creating and dropping the per-run test database. */
export const ADMIN_DATABASE_URL =
  process.env.TEST_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const server = databaseServer(ADMIN_DATABASE_URL);

export const databaseUrlFor = server.urlFor;
export const createDatabase = server.create;
export const dropDatabase = server.drop;

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now()}_${randomBytes(3).toString("hex")}`;
}

/**
 * A migrated database of its own, for tests whose subject is global state: the number of active
 * admins, or the whole outbox (a relay publishes every pending row it finds, whichever test wrote
 * it). Drop it in afterAll.
 */
export async function createMigratedDatabase(prefix = "identity_isolated"): Promise<{
  url: string;
  drop(): Promise<void>;
}> {
  const name = uniqueName(prefix);
  const url = await createDatabase(name);
  await applyMigrations(url, { log: () => undefined });
  return { url, drop: () => (process.env.KEEP_TEST_DATABASE ? Promise.resolve() : dropDatabase(name)) };
}

/**
 * Holds a row lock (`SELECT … FOR UPDATE` in an open transaction) until `release` is called: a
 * request that writes that row waits for it, in flight exactly as long as a test wants, with no
 * CPU spent and no timing to guess.
 */
export async function lockRow(table: string, id: string): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT 1 FROM "${table}" WHERE id = $1 FOR UPDATE`, [id]);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  };
}
