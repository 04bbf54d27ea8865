import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONFIG_VARIABLES, ConfigError, loadConfig, loadDatabaseUrl, loadEnvFile } from "../../src/config";
import { DEVELOPMENT_DEFAULTS } from "../../src/config/development";

// The values an operator writes, and what the gateway says when one cannot work.
const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://gateway@db:5432/identity",
  REDIS_URL: "redis://cache:6379",
  JWT_SECRET_KEY: "a-production-secret-that-is-at-least-32-bytes",
  ONE_TIME_LINK_SECRET: "a-production-link-secret-of-at-least-32-bytes",
};

/** The problems loadConfig reports for `env`, or [] when it loads. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...production, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("connection URLs", () => {
  it("takes PostgreSQL URLs only for DATABASE_URL, naming the scheme it got and never the rest", () => {
    expect(problems({ DATABASE_URL: "postgres://gateway@db/identity" })).toEqual([]);
    expect(
      problems({ DATABASE_URL: "postgresql://gateway:secret@db:5432/identity?sslmode=require" }),
    ).toEqual([]);
    expect(problems({ DATABASE_URL: "mysql://root:hunter2@db/app" })).toEqual([
      "DATABASE_URL: must be a URL such as postgresql://user:password@host:5432/database (got mysql://…)",
    ]);
    expect(problems({ DATABASE_URL: "db:5432/identity" })[0]).toMatch(
      /^DATABASE_URL: must be a URL such as postgresql:/,
    );
    expect(problems({ DATABASE_URL: "mysql://root:hunter2@db/app" }).join()).not.toContain("hunter2");
  });

  it("takes redis:// and rediss:// for REDIS_URL, and refuses a bare host:port", () => {
    expect(problems({ REDIS_URL: "redis://cache:6379/2" })).toEqual([]);
    expect(problems({ REDIS_URL: "rediss://user:pw@cache:6380" })).toEqual([]);
    for (const bare of ["127.0.0.1:6379", "localhost:6379", "cache"]) {
      expect(problems({ REDIS_URL: bare })).toEqual([
        expect.stringMatching(
          /^REDIS_URL: must be a URL such as redis:\/\/host:6379 \(rediss:\/\/ for TLS\)/,
        ),
      ]);
    }
    expect(problems({ REDIS_URL: "http://cache:6379" })).toEqual([
      "REDIS_URL: must be a URL such as redis://host:6379 (rediss:// for TLS) (got http://…)",
    ]);
  });

  it("validates DATABASE_URL alone the same way for db:migrate", () => {
    expect(loadDatabaseUrl({ DATABASE_URL: production.DATABASE_URL })).toBe(production.DATABASE_URL);
    expect(() => loadDatabaseUrl({ DATABASE_URL: "mysql://db/app" })).toThrow(/got mysql:\/\//);
    expect(() => loadDatabaseUrl({})).toThrow(/DATABASE_URL: required/);
  });
});

describe("problems in the project's words", () => {
  it.each([
    ["PORT", "eighty", "PORT: must be a whole number"],
    ["PORT", "4000.5", "PORT: must be a whole number"],
    ["PORT", "70000", "PORT: must be at most 65535"],
    ["BCRYPT_ROUNDS", "3", "BCRYPT_ROUNDS: must be at least 4"],
    ["NODE_ENV", "staging", "NODE_ENV: must be one of development, production, test"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent"],
    ["LOG_FORMAT", "xml", "LOG_FORMAT: must be one of json, pretty"],
    ["JWT_ALGORITHM", "none", "JWT_ALGORITHM: must be one of HS256, RS256, ES256"],
    ["REQUIRE_EMAIL_VERIFICATION", "maybe", "REQUIRE_EMAIL_VERIFICATION: must be true or false"],
    [
      "RATE_LIMIT_LOGIN_PER_IP",
      "five",
      "RATE_LIMIT_LOGIN_PER_IP: must be points/duration, e.g. 5/1m or 3/1h",
    ],
    ["TRACING_SAMPLE_RATIO", "2", "TRACING_SAMPLE_RATIO: must be at most 1"],
    ["TRACING_SAMPLE_RATIO", "half", "TRACING_SAMPLE_RATIO: must be a number"],
    ["HTTP_BODY_LIMIT", "big", "HTTP_BODY_LIMIT: must be a size such as 100kb or 1mb"],
    ["FRONTEND_URL", "localhost:3000", "FRONTEND_URL: must be a URL such as http://localhost:3000"],
    [
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "collector:4318",
      "OTEL_EXPORTER_OTLP_ENDPOINT: must be a URL such as http://otel-collector:4318",
    ],
  ])("%s=%s: %s", (name, value, expected) => {
    expect(problems({ [name]: value })).toEqual([expect.stringContaining(expected)]);
  });

  it("never passes zod's own phrasing through, whatever a variable is given", () => {
    const zodWords =
      /invalid input|invalid option|expected .*received|received nan|invalid url|too (small|big)/i;
    for (const name of CONFIG_VARIABLES) {
      for (const value of ["%%", "-1", "1.5", "99999999999", "x".repeat(2)]) {
        for (const problem of problems({ [name]: value })) {
          expect({ name, value, problem }).toEqual({
            name,
            value,
            problem: expect.not.stringMatching(zodWords),
          });
          expect(problem.startsWith(`${name}: `) || problem.includes(": ")).toBe(true);
        }
      }
    }
  });
});

describe("development defaults", () => {
  it("serve a developer when NODE_ENV is development or unset", () => {
    for (const env of [{}, { NODE_ENV: "development" }, { NODE_ENV: "" }]) {
      const config = loadConfig(env);
      expect(config.http.host).toBe("127.0.0.1");
      expect(config.hardening.corsOrigins).toEqual(["http://localhost:3000"]);
      expect(config.logFormat).toBe("pretty");
      expect(config.rateLimits.limits.loginPerIp).toEqual({ points: 100, durationSeconds: 60 });
      expect(config.rateLimits.limits.registerPerIp).toEqual({ points: 100, durationSeconds: 3600 });
      expect([...config.developmentDefaults].sort()).toEqual(Object.keys(DEVELOPMENT_DEFAULTS).sort());
    }
    // The frontend's origin, wherever it runs.
    expect(loadConfig({ FRONTEND_URL: "http://127.0.0.1:5173/app/" }).hardening.corsOrigins).toEqual([
      "http://127.0.0.1:5173",
    ]);
  });

  it("give way to what the environment sets", () => {
    const config = loadConfig({
      HOST: "0.0.0.0",
      CORS_ORIGINS: "https://a.example",
      RATE_LIMIT_LOGIN_PER_IP: "5/1m",
    });
    expect(config.http.host).toBe("0.0.0.0");
    expect(config.hardening.corsOrigins).toEqual(["https://a.example"]);
    expect(config.rateLimits.limits.loginPerIp).toEqual({ points: 5, durationSeconds: 60 });
    expect(config.developmentDefaults).not.toContain("HOST");
    expect(config.developmentDefaults).not.toContain("RATE_LIMIT_LOGIN_PER_IP");
    expect(config.developmentDefaults).toContain("RATE_LIMIT_REGISTER_PER_IP");
  });

  it("never apply in production or in the tests", () => {
    for (const env of [production, { NODE_ENV: "test" }]) {
      const config = loadConfig(env);
      expect(config.http.host).toBe("0.0.0.0");
      expect(config.hardening.corsOrigins).toEqual([]);
      expect(config.logFormat).toBe("json");
      expect(config.rateLimits.limits.loginPerIp).toEqual({ points: 5, durationSeconds: 60 });
      expect(config.rateLimits.limits.registerPerIp).toEqual({ points: 3, durationSeconds: 3600 });
      expect(config.developmentDefaults).toEqual([]);
    }
  });
});

describe("the env file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "aegis-env-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fills what the environment leaves unset; the environment wins", () => {
    writeFileSync(
      path.join(dir, ".env"),
      'PORT=5000\nLOG_LEVEL=debug\n# comment\nFRONTEND_URL="http://app.test"\n',
    );
    const env: NodeJS.ProcessEnv = { PORT: "4100" };
    expect(loadEnvFile(env, dir)).toBe(path.join(dir, ".env"));
    expect(env).toEqual({ PORT: "4100", LOG_LEVEL: "debug", FRONTEND_URL: "http://app.test" });
    expect(loadConfig(env).http.port).toBe(4100);
  });

  it("is optional by default, required when named, and skipped with none", () => {
    expect(loadEnvFile({}, dir)).toBeUndefined();
    expect(() => loadEnvFile({ ENV_FILE: "prod.env" }, dir)).toThrow(ConfigError);
    expect(() => loadEnvFile({ ENV_FILE: "prod.env" }, dir)).toThrow(/ENV_FILE: .*prod\.env does not exist/);
    writeFileSync(path.join(dir, ".env"), "PORT=5000\n");
    const none: NodeJS.ProcessEnv = { ENV_FILE: "none" };
    expect(loadEnvFile(none, dir)).toBeUndefined();
    expect(none).toEqual({ ENV_FILE: "none" });
    writeFileSync(path.join(dir, "prod.env"), "PORT=5001\n");
    const named: NodeJS.ProcessEnv = { ENV_FILE: "prod.env" };
    loadEnvFile(named, dir);
    expect(named.PORT).toBe("5001");
  });
});
