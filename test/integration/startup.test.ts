import { spawnSync } from "node:child_process";
import path from "node:path";
import { readFileSync } from "node:fs";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../../src/config";
import { testEnv } from "../support/test-server";

const root = path.join(__dirname, "..", "..");

/** Runs the real entry point as a process, the way `npm start` would, and waits for it to exit. */
function startGateway(env: Record<string, string | undefined>) {
  return spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")],
    { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 20_000 },
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
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config: PORT: /),
        expect.stringMatching(/^config: DATABASE_URL: /),
        expect.stringMatching(/^config: BCRYPT_ROUNDS: /),
        "config: JWT_SECRET_KEY: must be at least 32 bytes",
      ]),
    );
    expect(lines).toHaveLength(4);
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

describe(".env.example", () => {
  const lines = readFileSync(path.join(root, ".env.example"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line));
  const example = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

  it("lists every variable the gateway reads, and nothing else", () => {
    expect(Object.keys(example).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it("is a valid configuration as it stands", () => {
    expect(() => loadConfig(example)).not.toThrow();
  });
});
