// Turns prisma/schema.prisma into SQL with the Prisma 6.19 CLI (devDependency `prisma-legacy`).
// Why Prisma 6: the Prisma 7 CLI needs a native schema engine we cannot download; Prisma 6 still
// ships the schema engine as wasm, which runs offline when given a JS driver adapter.
// What it needs, all prepared in a temp folder so the project's Prisma 7 files stay untouched:
//  - a copy of the schema with `url = env("DATABASE_URL")` (Prisma 7 schemas have no url);
//  - a Prisma 6 style config (`engine: "js"` + adapter). It is a plain object, not defineConfig,
//    because `prisma/config` would resolve to Prisma 7 from the project;
//  - a live database: the engine connects at start, and with --from-migrations it applies the
//    migrations to that very database (it is its shadow database), so it must be an empty scratch one.
// Usage: node -r ts-node/register/transpile-only scripts/prisma-sql.ts   (prints the from-empty SQL)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../src/core/project-root";
import { withScratchDbs } from "./scratch-db";

const root = projectRoot(__dirname);

/** The schema with a datasource url added (left alone if it already has one). */
export function schemaWithUrl(schema: string): string {
  return schema.replace(/datasource\s+\w+\s*\{[^}]*\}/, (block) =>
    /^\s*url\s*=/m.test(block) ? block : block.replace(/\}$/, '  url = env("DATABASE_URL")\n}'),
  );
}

// The adapter-pg 7 driver cannot type Postgres' internal "char" (oid 18) columns, which the wasm
// engine reads from pg_catalog when it introspects (needed by --from-migrations); relabelling them
// as text (oid 25) is enough for it. Without this only --from-empty works.
const CONFIG = (adapterPath: string, schemaPath: string) => `
const { PrismaPg } = require(${JSON.stringify(adapterPath)});
function relabelChar(q) {
  if (typeof q.performIO !== "function") return q;
  const io = q.performIO.bind(q);
  q.performIO = async (query) => {
    const r = await io(query);
    for (const f of Array.isArray(r) ? [] : r.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
    return r;
  };
  if (typeof q.startTransaction === "function") {
    const start = q.startTransaction.bind(q);
    q.startTransaction = async (...a) => relabelChar(await start(...a));
  }
  return q;
}
export default {
  experimental: { adapter: true },
  engine: "js",
  schema: ${JSON.stringify(schemaPath)},
  adapter: async () => {
    // allowExitOnIdle: Prisma never closes the pool, which would keep the CLI alive for 10 s.
    const factory = new PrismaPg({ connectionString: process.env.DATABASE_URL, allowExitOnIdle: true });
    for (const method of ["connect", "connectToShadowDb"]) {
      const original = factory[method]?.bind(factory);
      if (original) factory[method] = async () => relabelChar(await original());
    }
    return factory;
  },
};
`;

/**
 * Runs `prisma migrate diff <fromArgs> --to-schema-datamodel <schema copy> --script` with Prisma 6
 * against the (empty, scratch) database scratchUrl, and returns the SQL.
 */
export function prismaSql(fromArgs: string[], scratchUrl: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prisma-sql-"));
  try {
    const schemaPath = path.join(tmp, "schema.prisma");
    const configPath = path.join(tmp, "prisma.config.ts");
    const outPath = path.join(tmp, "out.sql");
    fs.writeFileSync(
      schemaPath,
      schemaWithUrl(fs.readFileSync(path.join(root, "prisma", "schema.prisma"), "utf8")),
    );
    fs.writeFileSync(
      configPath,
      CONFIG(require.resolve("@prisma/adapter-pg", { paths: [root] }), schemaPath),
    );
    const cli = path.join(root, "node_modules", "prisma-legacy", "build", "index.js");
    const args = ["migrate", "diff", "--config", configPath, ...fromArgs];
    const run = spawnSync(
      process.execPath,
      [cli, ...args, "--to-schema-datamodel", schemaPath, "--script", "-o", outPath],
      {
        cwd: tmp,
        encoding: "utf8",
        env: {
          ...process.env,
          DATABASE_URL: scratchUrl,
          // Any existing file: stops Prisma 6 from downloading a query engine that `migrate diff` never loads.
          PRISMA_QUERY_ENGINE_LIBRARY: configPath,
          CHECKPOINT_DISABLE: "1",
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
        },
      },
    );
    if (run.status !== 0 || !fs.existsSync(outPath)) {
      throw new Error(
        `prisma@6 migrate diff ${fromArgs.join(" ")} failed:\n${run.stderr}${run.stdout}${run.error ?? ""}`,
      );
    }
    return fs.readFileSync(outPath, "utf8");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** SQL that creates the whole schema in an empty database. */
export function fromEmptySql(scratchUrl: string): string {
  return prismaSql(["--from-empty"], scratchUrl);
}

if (require.main === module) {
  withScratchDbs("prisma_sql", 1, async ([url]) => process.stdout.write(fromEmptySql(url ?? ""))).catch(
    (e: Error) => {
      console.error(e.message);
      process.exitCode = 1;
    },
  );
}
