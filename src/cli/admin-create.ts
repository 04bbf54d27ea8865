import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config";
import { createContainer } from "../container";
import { AppError } from "../errors";
import { startEmbeddedBackends } from "../infra/embedded";
import { createLogger } from "../infra/logger";

/**
 * `npm run admin:create -- --email a@b.c --password '…' [--name 'Ada']`, or in production
 * `node dist/cli/admin-create.js …`: makes the account an active ADMIN (creating it if needed)
 * with the server's own configuration and services. `--password-stdin` reads the password from
 * standard input instead, so it stays out of the shell history and the process list.
 * Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 wrong usage.
 */
const USAGE =
  "usage: admin:create --email <email> (--password <password> | --password-stdin) [--name <name>]";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: "string" },
        password: { type: "string" },
        "password-stdin": { type: "boolean" },
        name: { type: "string" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const password = values["password-stdin"] ? await readStdin() : values.password;
  if (!values.email || password === undefined) {
    console.error(USAGE);
    return 2;
  }

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    return 1;
  }
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  // On embedded defaults: join the running gateway's embedded database, or start it for this run.
  const embedded = await startEmbeddedBackends(config, logger, { shareRunning: true });
  const container = createContainer(config, logger);
  try {
    const { outcome, user } = await container.services.adminBootstrap.ensureAdmin(
      { email: values.email, password, name: values.name },
      { requestId: `cli-admin-create-${randomUUID()}` },
    );
    const messages = {
      created: `created ADMIN ${user.email} (${user.id})`,
      promoted: `${user.email} (${user.id}) is now an active ADMIN; their password is unchanged`,
      unchanged: `${user.email} (${user.id}) is already an active ADMIN; nothing changed`,
    };
    console.log(messages[outcome]);
    return 0;
  } catch (error) {
    // Operators read this, not clients: the database's own words help them most.
    if (!(error instanceof AppError)) console.error(`admin:create failed: ${(error as Error).message.trim()}`);
    else console.error(`refused: ${error.message}`);
    return 1;
  } finally {
    await container.close();
    await embedded.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
