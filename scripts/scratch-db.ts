// Throwaway Postgres databases for the schema tooling (db:check, db:migration:new, prisma-sql).
// Why scratch databases: the offline Prisma 6 engine and the drift check both need a live, empty
// database, and must never touch a real one. Names are unique per run so parallel runs (CI, two
// terminals) cannot collide.
import { randomBytes } from "node:crypto";
import { databaseServer, urlForDatabase } from "./dev-services";

export { urlForDatabase };

/** Server to create scratch databases on: SCRATCH_DATABASE_URL, else DATABASE_URL, else local. */
export function adminUrl(): string {
  return (
    process.env.SCRATCH_DATABASE_URL ??
    process.env.DATABASE_URL ??
    "postgresql://postgres@127.0.0.1:5432/postgres"
  );
}

const server = () => databaseServer(urlForDatabase(adminUrl(), "postgres"));

/** Creates an empty database and returns its URL; pair with dropScratchDb in a finally. */
export async function createScratchDb(prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await server().create(name);
  return { name, url: urlForDatabase(adminUrl(), name) };
}

export function dropScratchDb(name: string): Promise<void> {
  return server().drop(name);
}

/** Runs fn with fresh scratch databases and always drops them afterwards, even on failure. */
export async function withScratchDbs<T>(
  prefix: string,
  count: number,
  fn: (urls: string[]) => Promise<T>,
): Promise<T> {
  const dbs: { name: string; url: string }[] = [];
  try {
    for (let i = 0; i < count; i++) dbs.push(await createScratchDb(prefix));
    return await fn(dbs.map((d) => d.url));
  } finally {
    for (const d of dbs)
      await dropScratchDb(d.name).catch((e: Error) =>
        console.error(`could not drop ${d.name}: ${e.message}`),
      );
  }
}
