import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./error";

/**
 * Reads the variables of `ENV_FILE` (default `.env` in the working directory) into `env` for the
 * entry points (the server, `admin:create`, `db:migrate`) before they load the configuration,
 * with Node's own dotenv parser (the one behind `process.loadEnvFile` and `--env-file`). A
 * variable the environment already sets keeps its value: the real environment wins. The default
 * file is optional, so production never needs one; a file named explicitly must exist. Returns
 * the file read, if any.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const named = env.ENV_FILE?.trim();
  if (named === "none") return undefined;
  const file = path.resolve(cwd, named || ".env");
  if (!existsSync(file)) {
    if (!named) return undefined;
    throw new ConfigError([`ENV_FILE: ${file} does not exist (ENV_FILE=none reads no file)`]);
  }
  for (const [key, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
    if (env[key] === undefined) env[key] = value;
  }
  return file;
}
