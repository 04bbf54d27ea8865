// Applies prisma/migrations/<name>/migration.sql in name order and records them in Prisma's own
// `_prisma_migrations` table. Why not `prisma migrate deploy`: the Prisma 7 CLI needs its native
// schema engine, which cannot be downloaded here. Because the bookkeeping is exactly Prisma's
// (same table, same checksum, same advisory lock), a real `prisma migrate deploy` run later sees
// these migrations as applied and the two tools can never run at the same time.
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { ConfigError, loadDatabaseUrl, loadEnvFile } from "../config";
import { projectRoot } from "../core/project-root";

// The key Prisma's schema engine passes to pg_advisory_lock: sharing it serialises this runner
// with other instances of itself and with `prisma migrate deploy`.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

// Prisma's DDL for the table, verbatim (schema engine, Postgres flavour), made idempotent.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export interface ApplyOptions {
  migrationsDir?: string;
  log?: (msg: string) => void;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

export function defaultMigrationsDir(): string {
  return path.join(projectRoot(), "prisma", "migrations");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

// Same tolerance as Prisma's script_matches_checksum: git may turn LF into CRLF (or back).
function checksumMatches(script: string, checksum: string): boolean {
  return [script, script.replace(/\r\n/g, "\n"), script.replace(/\r?\n/g, "\r\n")].some(
    (s) => sha256Hex(s) === checksum,
  );
}

/** Migration folder names in the order Prisma applies them (plain lexical sort). */
export function listMigrations(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    if (!fs.existsSync(path.join(dir, name, "migration.sql"))) {
      throw new Error(`migration folder ${name} has no migration.sql`);
    }
  }
  return names;
}

// Prisma-generated SQL for some enum changes carries its own BEGIN/COMMIT; wrapping that in our
// transaction would let its COMMIT end ours early, so such scripts run as written (like Prisma).
function managesOwnTransaction(sql: string): boolean {
  return /^\s*(BEGIN|COMMIT|START\s+TRANSACTION)\b/im.test(sql);
}

// Honour Prisma's `?schema=` URL parameter so the migrations table lands where Prisma expects it.
export function schemaFromUrl(connectionString: string): string | undefined {
  try {
    return new URL(connectionString).searchParams.get("schema") ?? undefined;
  } catch {
    return undefined;
  }
}

export async function applyMigrations(
  connectionString: string,
  opts: ApplyOptions = {},
): Promise<{ applied: string[] }> {
  const dir = opts.migrationsDir ?? defaultMigrationsDir();
  const log = opts.log ?? (() => undefined);
  const client = new Client({ connectionString });
  await client.connect();
  // A failing query on an idle client emits 'error' events; keep them from crashing the process.
  client.on("error", () => undefined);
  try {
    const schema = schemaFromUrl(connectionString);
    if (schema) {
      const ident = `"${schema.replace(/"/g, '""')}"`;
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident}; SET search_path TO ${ident}`);
    }
    const got = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      PRISMA_ADVISORY_LOCK_KEY,
    ]);
    if (!got.rows[0]?.ok) {
      log("another migration run holds the lock; waiting");
      await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_KEY]);
    }
    // Session lock, released explicitly below and in any case when the connection closes.
    try {
      return { applied: await applyLocked(client, dir, log) };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyLocked(client: Client, dir: string, log: (msg: string) => void): Promise<string[]> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  // Rows Prisma counts: rolled-back rows are ignored; an unfinished row is a failed migration.
  const { rows } = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at FROM _prisma_migrations
     WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  const failed = rows.filter((r) => r.finished_at === null).map((r) => r.migration_name);
  if (failed.length > 0) {
    throw new Error(
      `migration(s) ${failed.join(", ")} failed earlier and may be half applied; fix the database, ` +
        `then mark them with \`prisma migrate resolve --rolled-back <name>\` (or delete their rows)`,
    );
  }
  const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const local = listMigrations(dir);
  const scripts = new Map(local.map((n) => [n, fs.readFileSync(path.join(dir, n, "migration.sql"), "utf8")]));

  // Check history before touching anything: an edited, already applied migration is never re-run.
  const edited = local.filter(
    (n) => done.has(n) && !checksumMatches(scripts.get(n) ?? "", done.get(n) ?? ""),
  );
  if (edited.length > 0) {
    throw new Error(
      `applied migration(s) ${edited.join(", ")} were modified after being applied (checksum mismatch); ` +
        `restore the original file(s) and put the change in a new migration`,
    );
  }
  for (const name of done.keys()) {
    if (!scripts.has(name)) log(`warning: ${name} is applied in the database but missing from ${dir}`);
  }

  const applied: string[] = [];
  for (const name of local.filter((n) => !done.has(n))) {
    const sql = scripts.get(name) ?? "";
    log(`applying ${name}`);
    await (managesOwnTransaction(sql) ? applyUnwrapped : applyInTransaction)(client, name, sql);
    applied.push(name);
  }
  return applied;
}

// Script and bookkeeping row commit together: on failure nothing at all is left behind.
async function applyInTransaction(client: Client, name: string, sql: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), sha256Hex(sql), name],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new Error(`migration ${name} failed and was rolled back: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

// Prisma's own sequence (row started -> script -> step counted and finished). On failure the row
// stays unfinished with the error in `logs`, exactly what Prisma leaves, because part of the
// script may already be committed; both this runner and Prisma then refuse to continue.
async function applyUnwrapped(client: Client, name: string, sql: string): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), 0)`,
    [id, sha256Hex(sql), name],
  );
  try {
    await client.query(sql);
  } catch (err) {
    const message = (err as Error).message;
    await client.query("ROLLBACK").catch(() => undefined); // leave any aborted transaction block
    await client.query("UPDATE _prisma_migrations SET logs = $2 WHERE id = $1", [id, message]);
    throw new Error(
      `migration ${name} failed (it manages its own transactions, so it may be partly applied): ${message}`,
      {
        cause: err,
      },
    );
  }
  await client.query(
    `UPDATE _prisma_migrations SET applied_steps_count = 1, finished_at = clock_timestamp() WHERE id = $1`,
    [id],
  );
}

if (require.main === module) {
  let url: string;
  try {
    loadEnvFile();
    url = loadDatabaseUrl();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    process.exit(1);
  }
  applyMigrations(url, { log: (m) => console.log(m) }).then(
    ({ applied }) =>
      console.log(
        applied.length ? `applied ${applied.length}: ${applied.join(", ")}` : "no pending migrations",
      ),
    (err: Error) => {
      console.error(`migration failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
