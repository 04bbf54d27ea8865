// `npm run db:check`: fails when prisma/schema.prisma and prisma/migrations have drifted apart.
// Why compare real databases: it checks what actually matters (the schema the migrations build
// equals the schema Prisma would create from schema.prisma) with nothing but Postgres itself,
// and pg_dump gives a diff a person can read.
//   A = empty scratch DB + every migration (src/db/migrate.ts, the runner production uses)
//   B = empty scratch DB + the from-empty SQL of schema.prisma (Prisma 6 wasm, see prisma-sql.ts)
// Both databases are dropped at the end, also on failure.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { applyMigrations, defaultMigrationsDir } from "../src/db/migrate";
import { fromEmptySql } from "./prisma-sql";
import { withScratchDbs } from "./scratch-db";

function schemaDump(url: string): string {
  const run = spawnSync(
    "pg_dump",
    [
      "--schema-only",
      "--no-owner",
      "--no-privileges",
      "--exclude-table=*._prisma_migrations",
      `--dbname=${url}`,
    ],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`pg_dump failed: ${run.stderr}${run.error ?? ""}`);
  return normalise(run.stdout);
}

// - pg_dump >= 15.14 wraps the dump in \restrict <random key> lines: drop them.
// - Column order differs legitimately (ALTER TABLE ADD COLUMN appends, schema.prisma may put the
//   field anywhere) and Prisma ignores it too, so columns are sorted inside each CREATE TABLE.
function normalise(dump: string): string {
  const out: string[] = [];
  let columns: string[] | null = null;
  for (const line of dump.split("\n")) {
    if (/^\\(un)?restrict /.test(line)) continue;
    if (columns) {
      if (line.startsWith(")")) {
        out.push(...columns.sort().map((c, i, all) => `    ${c}${i < all.length - 1 ? "," : ""}`), line);
        columns = null;
      } else columns.push(line.trim().replace(/,$/, ""));
      continue;
    }
    out.push(line);
    if (/^CREATE (UNLOGGED )?TABLE .*\($/.test(line)) columns = [];
  }
  return out.join("\n");
}

function readableDiff(a: string, b: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "db-check-"));
  try {
    fs.writeFileSync(path.join(tmp, "a.sql"), a);
    fs.writeFileSync(path.join(tmp, "b.sql"), b);
    const run = spawnSync(
      "diff",
      ["-u", "--label", "from prisma/migrations", "--label", "from prisma/schema.prisma", "a.sql", "b.sql"],
      {
        cwd: tmp,
        encoding: "utf8",
      },
    );
    return run.stdout || `(diff unavailable) --- migrations:\n${a}\n--- schema:\n${b}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function checkDrift(): Promise<boolean> {
  return withScratchDbs("db_check", 2, async ([fromMigrations = "", fromSchema = ""]) => {
    await applyMigrations(fromMigrations, { migrationsDir: defaultMigrationsDir() });
    const sql = fromEmptySql(fromSchema);
    const client = new Client({ connectionString: fromSchema });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    const [a, b] = [schemaDump(fromMigrations), schemaDump(fromSchema)];
    if (a === b) return true;
    console.error(readableDiff(a, b));
    return false;
  });
}

if (require.main === module) {
  checkDrift().then(
    (ok) => {
      if (ok) console.log("db:check: prisma/migrations match prisma/schema.prisma");
      else {
        console.error("db:check: DRIFT: the migrations do not build the schema in prisma/schema.prisma.");
        console.error("Add a migration with `npm run db:migration:new -- <name>` (or fix the schema).");
        process.exitCode = 1;
      }
    },
    (err: Error) => {
      console.error(`db:check failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
