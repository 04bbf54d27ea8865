// The migration runner against real Postgres: what it records must be exactly what Prisma records,
// so that `prisma migrate deploy` later treats these migrations as applied.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { applyMigrations, defaultMigrationsDir, listMigrations } from "../../src/db/migrate";
import { createDatabase, dropDatabase, uniqueName } from "../support/test-db";

const migrationsDir = defaultMigrationsDir();
const migrations = listMigrations(migrationsDir);
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

const created: string[] = [];
async function scratchDb(): Promise<string> {
  const name = uniqueName("migrate_test");
  created.push(name);
  return createDatabase(name);
}

async function query<T extends object>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await dropDatabase(name);
});

describe("applyMigrations", () => {
  let url: string;

  beforeAll(async () => {
    url = await scratchDb();
  });

  it("applies every migration in name order and creates the tables", async () => {
    expect(migrations.length).toBeGreaterThan(0);
    expect(await applyMigrations(url)).toEqual({ applied: migrations });
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["User", "LoginHistory", "_prisma_migrations"]),
    );
  });

  it("records each migration in _prisma_migrations as Prisma does", async () => {
    const rows = await query<Record<string, unknown>>(
      url,
      "SELECT * FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations);
    for (const row of rows) {
      expect(row.checksum).toBe(
        sha256(path.join(migrationsDir, String(row.migration_name), "migration.sql")),
      );
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.started_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("applies nothing when run again", async () => {
    expect(await applyMigrations(url)).toEqual({ applied: [] });
    const [count] = await query<{ n: string }>(url, "SELECT count(*) AS n FROM _prisma_migrations");
    expect(Number(count?.n)).toBe(migrations.length);
  });

  it("refuses to run when an applied migration's checksum changed", async () => {
    const first = migrations[0];
    const [original] = await query<{ checksum: string }>(
      url,
      "SELECT checksum FROM _prisma_migrations WHERE migration_name = $1",
      [first],
    );
    await query(url, "UPDATE _prisma_migrations SET checksum = $2 WHERE migration_name = $1", [
      first,
      "0".repeat(64),
    ]);
    try {
      await expect(applyMigrations(url)).rejects.toThrow(/checksum mismatch/);
    } finally {
      await query(url, "UPDATE _prisma_migrations SET checksum = $2 WHERE migration_name = $1", [
        first,
        original?.checksum,
      ]);
    }
    expect(await applyMigrations(url)).toEqual({ applied: [] });
  });

  it("rolls a failing migration back, records nothing and releases the lock", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-test-"));
    try {
      fs.cpSync(migrationsDir, dir, { recursive: true });
      fs.mkdirSync(path.join(dir, "99991231000000_broken"));
      fs.writeFileSync(
        path.join(dir, "99991231000000_broken", "migration.sql"),
        'CREATE TABLE "half_done" (x int);\nSELECT * FROM "no_such_table";\n',
      );
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
        /99991231000000_broken failed and was rolled back/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const rows = await query(
      url,
      "SELECT 1 FROM _prisma_migrations WHERE migration_name = '99991231000000_broken'",
    );
    expect(rows).toHaveLength(0);
    const [table] = await query<{ t: string | null }>(
      url,
      "SELECT to_regclass('public.half_done')::text AS t",
    );
    expect(table?.t).toBeNull();
    expect(await applyMigrations(url)).toEqual({ applied: [] });
  });

  it("serialises concurrent runners with the advisory lock", async () => {
    const fresh = await scratchDb();
    const results = await Promise.all([applyMigrations(fresh), applyMigrations(fresh)]);
    expect(results.map((r) => r.applied).sort((a, b) => a.length - b.length)).toEqual([[], migrations]);
    const [count] = await query<{ n: string }>(fresh, "SELECT count(*) AS n FROM _prisma_migrations");
    expect(Number(count?.n)).toBe(migrations.length);
  });
});
