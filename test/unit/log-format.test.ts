import { spawnSync } from "node:child_process";
import path from "node:path";

// LOG_FORMAT: pino-pretty's lines for a person in development, JSON lines everywhere else (log
// pipelines, and the tests, which parse them). Run as the server runs: a logger on stdout.
const ROOT = path.join(__dirname, "..", "..");

function logOnce(format: "json" | "pretty") {
  const script = `
    const { createLogger } = require("./src/infra/logger");
    createLogger("info", undefined, "${format}").info({ userId: "u-1", password: "hunter2" }, "hello from the gateway");
  `;
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH, NO_COLOR: "1" },
  });
}

describe("log format", () => {
  it("json: one JSON object per line", () => {
    const { stdout, status } = logOnce("json");
    expect(status).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({
      level: 30,
      msg: "hello from the gateway",
      userId: "u-1",
      password: "[REDACTED]",
    });
  });

  it("pretty: a readable line with the same redaction", () => {
    const { stdout, status } = logOnce("pretty");
    expect(status).toBe(0);
    expect(() => JSON.parse(stdout.trim())).toThrow();
    expect(stdout).toMatch(/INFO.*hello from the gateway/);
    expect(stdout).toContain('userId: "u-1"');
    expect(stdout).not.toContain("hunter2");
  });
});
