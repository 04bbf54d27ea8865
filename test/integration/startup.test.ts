import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import { testEnv } from "../support/test-server";

const root = path.join(__dirname, "..", "..");

/** Runs the real entry point as a process, the way `npm start` would, and waits for it to exit. */
function startGateway(env: Record<string, string | undefined>) {
  return spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")],
    {
      cwd: root,
      env: { PATH: process.env.PATH, ENV_FILE: "none", ...env },
      encoding: "utf8",
      timeout: 20_000,
    },
  );
}

describe("configuration", () => {
  it("refuses bad variables with one line each and exit code 1", () => {
    const result = startGateway({
      DATABASE_URL: "not a url",
      PORT: "eighty",
      BCRYPT_ROUNDS: "40",
      JWT_SECRET_KEY: "short",
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines.sort()).toEqual([
      "config: BCRYPT_ROUNDS: must be at most 15",
      "config: DATABASE_URL: must be a URL such as postgresql://user:password@host:5432/database",
      "config: JWT_SECRET_KEY: must be at least 32 bytes",
      "config: PORT: must be a whole number",
    ]);
  });

  it("reads ENV_FILE (default .env) under the environment, which wins", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "aegis-env-file-"));
    const file = path.join(dir, "gateway.env");
    writeFileSync(
      file,
      "# a developer's file\nPORT=eighty\nBCRYPT_ROUNDS=40\nDATABASE_URL=mysql://root@db/app\n",
    );
    try {
      // PORT comes from the environment too: the environment's value is the one read.
      const result = startGateway({ ENV_FILE: file, PORT: "0" });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split("\n").sort()).toEqual([
        "config: BCRYPT_ROUNDS: must be at most 15",
        "config: DATABASE_URL: must be a URL such as postgresql://user:password@host:5432/database (got mysql://…)",
      ]);
      const missing = startGateway({ ENV_FILE: path.join(dir, "missing.env") });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/^config: ENV_FILE: .*missing\.env does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("db:migrate reads the env file too, and checks DATABASE_URL as the server does", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "aegis-migrate-env-"));
    const migrate = (file: string) =>
      spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(root, "src", "db", "migrate.ts")],
        {
          cwd: root,
          env: { PATH: process.env.PATH, ENV_FILE: file },
          encoding: "utf8",
          timeout: 30_000,
        },
      );
    try {
      writeFileSync(path.join(dir, "mysql.env"), "DATABASE_URL=mysql://root:hunter2@db/app\n");
      const refused = migrate(path.join(dir, "mysql.env"));
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toBe(
        "config: DATABASE_URL: must be a URL such as postgresql://user:password@host:5432/database (got mysql://…)",
      );
      writeFileSync(path.join(dir, "test.env"), `DATABASE_URL=${process.env.TEST_DATABASE_URL}\n`);
      const done = migrate(path.join(dir, "test.env"));
      expect({ status: done.status, stdout: done.stdout.trim() }).toEqual({
        status: 0,
        stdout: "no pending migrations",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("requires a JWT secret of at least 32 bytes in production", () => {
    const base = testEnv({ NODE_ENV: "production" });
    delete base.JWT_SECRET_KEY;
    expect(() => loadConfig(base)).toThrow(ConfigError);
    expect(() => loadConfig(base)).toThrow(/JWT_SECRET_KEY: required in production/);
    expect(() => loadConfig({ ...base, JWT_SECRET_KEY: "x".repeat(31) })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ ...base, JWT_SECRET_KEY: "x".repeat(32) }).jwt.secret).toHaveLength(32);
  });

  it("uses the product's defaults", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://localhost/x" });
    expect(config).toMatchObject({
      http: { port: 4000 },
      jwt: { accessTtlSeconds: 1800, refreshTtlSeconds: 7 * 24 * 3600 },
      passwords: { bcryptRounds: 12 },
      lockout: { maxAttempts: 5, durationSeconds: 900 },
      sessions: { maxPerUser: 5 },
      profileCacheTtlSeconds: 300,
      generatedJwtSecret: true,
    });
  });
});
