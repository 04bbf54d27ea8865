// Does the configured database serve this release? It answers, it exists, it lets us in, and
// every migration this release ships is applied. Start-up refuses to serve otherwise (one line:
// what is wrong and the command that fixes it), and readiness asks the same question again.
import { Client } from "pg";
import { defaultMigrationsDir, listMigrations, schemaFromUrl } from "./migrate";

/** What stands between the database and serving, with the fix an operator can type. */
export class DatabaseProblem extends Error {
  constructor(
    readonly kind: "unreachable" | "missing" | "credentials" | "migrations" | "failed-migration",
    message: string,
  ) {
    super(message);
    this.name = "DatabaseProblem";
  }
}

const MIGRATE_COMMAND =
  "`npm run db:migrate` (in the image: `node dist/db/migrate.js`), or start with MIGRATE_ON_START=true";
const CONNECT_TIMEOUT_MS = 5000;

/** host:port and database of a connection string, for messages (never the password). */
function describeTarget(connectionString: string): { server: string; database: string; user: string } {
  try {
    const url = new URL(connectionString);
    const host = url.hostname || url.searchParams.get("host") || "localhost";
    return {
      server: host.startsWith("/") ? host : `${host}:${url.port || "5432"}`,
      database: decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default)",
      user: decodeURIComponent(url.username) || "(default)",
    };
  } catch {
    return { server: "(unparsable)", database: "(unknown)", user: "(unknown)" };
  }
}

/** Turns a connection failure into what an operator needs to read. */
export function connectionProblem(error: unknown, connectionString: string): DatabaseProblem {
  const { server, database, user } = describeTarget(connectionString);
  const code = (error as { code?: string }).code;
  if (code === "3D000") {
    return new DatabaseProblem(
      "missing",
      `database "${database}" does not exist on ${server}: create it (\`createdb ${database}\`), then apply the migrations with ${MIGRATE_COMMAND}`,
    );
  }
  if (code === "28P01" || code === "28000") {
    return new DatabaseProblem(
      "credentials",
      `PostgreSQL at ${server} refused user "${user}" (wrong user or password): fix the credentials in DATABASE_URL`,
    );
  }
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new DatabaseProblem(
    "unreachable",
    `cannot reach PostgreSQL at ${server} (${reason}): start it, or fix the host and port in DATABASE_URL`,
  );
}

/** Names of the finished migrations in `_prisma_migrations`, and any that failed half way. */
export interface AppliedMigrations {
  finished: string[];
  failed: string[];
}

/** Compares what the database has applied with what this release ships. */
export function migrationProblem(applied: AppliedMigrations, shipped: string[]): DatabaseProblem | undefined {
  if (applied.failed.length > 0) {
    return new DatabaseProblem(
      "failed-migration",
      `migration ${applied.failed.join(", ")} failed earlier and may be half applied: fix the database, mark it with \`prisma migrate resolve --rolled-back <name>\`, then run ${MIGRATE_COMMAND}`,
    );
  }
  const done = new Set(applied.finished);
  const pending = shipped.filter((name) => !done.has(name));
  if (pending.length === 0) return undefined;
  const none = applied.finished.length === 0;
  return new DatabaseProblem(
    "migrations",
    `${none ? "no migrations are applied" : `${pending.length} migration(s) not applied (${pending[0]}${pending.length > 1 ? ", …" : ""})`} in this database: run ${MIGRATE_COMMAND}`,
  );
}

/** The migrations this release ships (prisma/migrations), read once. */
export function shippedMigrations(): string[] {
  return listMigrations(defaultMigrationsDir());
}

const APPLIED_SQL = `SELECT migration_name, finished_at IS NOT NULL AS finished
  FROM _prisma_migrations WHERE rolled_back_at IS NULL`;

/** Reads `_prisma_migrations`; a database without the table has applied nothing. */
export async function readAppliedMigrations(
  query: (sql: string) => Promise<Array<{ migration_name: string; finished: boolean }>>,
): Promise<AppliedMigrations> {
  let rows: Array<{ migration_name: string; finished: boolean }>;
  try {
    rows = await query(APPLIED_SQL);
  } catch (error) {
    // 42P01: undefined_table (Prisma's driver adapter reports it as TableDoesNotExist)
    const text = `${(error as { code?: string }).code ?? ""} ${(error as Error).message ?? ""}`;
    if (/42P01|_prisma_migrations/.test(text)) return { finished: [], failed: [] };
    throw error;
  }
  return {
    finished: rows.filter((row) => row.finished).map((row) => row.migration_name),
    failed: rows.filter((row) => !row.finished).map((row) => row.migration_name),
  };
}

/**
 * The start-up check, on a connection of its own (before the pool exists): throws a
 * DatabaseProblem naming what is wrong; resolves when the database serves this release.
 */
export async function checkDatabase(connectionString: string, shipped: string[]): Promise<void> {
  const client = new Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw connectionProblem(error, connectionString);
  }
  try {
    const schema = schemaFromUrl(connectionString);
    if (schema) await client.query(`SET search_path TO "${schema.replace(/"/g, '""')}"`);
    const applied = await readAppliedMigrations(async (sql) => (await client.query(sql)).rows);
    const problem = migrationProblem(applied, shipped);
    if (problem) throw problem;
  } finally {
    await client.end().catch(() => undefined);
  }
}
