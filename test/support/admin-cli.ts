import { spawn } from "node:child_process";
import path from "node:path";

const root = path.join(__dirname, "..", "..");

/**
 * `npm run admin:create` as an operator runs it: its own process with exactly `env` (and PATH),
 * `stdin` written to its standard input and closed.
 */
export function runAdminCreate(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "src/cli/admin-create.ts", ...args],
      { cwd: root, env: { PATH: process.env.PATH, ENV_FILE: "none", ...env } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
