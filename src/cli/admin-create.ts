import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, loadEnvFile } from "../config";
import { createContainer } from "../composition/container";
import { AppError } from "../core/errors";
import { checkDatabase, DatabaseProblem, shippedMigrations } from "../db/database-check";
import { startEmbeddedBackends } from "../infra/embedded";
import { createLogger } from "../infra/logger";

/**
 * `npm run admin:create -- --email a@b.c --password-stdin [--name 'Ada']`, or in production
 * `node dist/cli/admin-create.js …`: makes the account an active ADMIN (creating it if needed)
 * with the server's own configuration and services. `--password-stdin` reads the password from
 * standard input (without echo at a terminal), so it stays out of the shell history, the process
 * list and npm's echo of the command; `--password` remains for scripts. See HELP.
 */
const USAGE =
  "usage: npm run admin:create -- --email <email> (--password-stdin | --password <password>) [--name <name>]";

const HELP = `${USAGE}
       node dist/cli/admin-create.js …   (the same, in the production image)

Makes the account an active ADMIN, creating it when the e-mail is new. An existing account keeps
its own password; running it again changes nothing.

  --email <email>        the admin's e-mail address
  --password-stdin       read the password from standard input: typed without echo at a
                         terminal, or piped (printf '%s' "$PASSWORD" | …)
  --password <password>  the password as an argument (it shows in shell history, the process
                         list and npm's own echo of the command: prefer --password-stdin)
  --name <name>          display name of a new account (default: Administrator)
  -h, --help             this help

It uses the gateway's configuration (.env and the environment). On embedded defaults it joins the
running gateway's database, or opens it for this run.
Exit codes: 0 done or nothing to do, 1 refused or failed, 2 wrong usage.
`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden("Password (not shown): ");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** One line from the terminal with nothing echoed (readline keeps line editing working). */
async function promptHidden(prompt: string): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  rl.on("SIGINT", () => {
    process.stderr.write("\n");
    process.exit(130);
  });
  process.stderr.write(prompt);
  try {
    return await rl.question("");
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
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
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}\n(--help for more)`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const password = values["password-stdin"] ? await readStdin() : values.password;
  if (!values.email || password === undefined) {
    console.error(`${USAGE}\n(--help for more)`);
    return 2;
  }

  let config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`config: ${problem}`);
    return 1;
  }
  const logger = createLogger(
    config.logLevel === "info" ? "warn" : config.logLevel,
    undefined,
    config.logFormat,
  );
  // On embedded defaults: join the running gateway's embedded database, or start it for this run.
  const embedded = await startEmbeddedBackends(config, logger, { shareRunning: true });
  // The same one-line diagnosis as the gateway's start-up, rather than a driver's error.
  try {
    await checkDatabase(config.databaseUrl, shippedMigrations());
  } catch (error) {
    await embedded.close();
    if (!(error instanceof DatabaseProblem)) throw error;
    console.error(`database: ${error.message}`);
    return 1;
  }
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
    if (!(error instanceof AppError))
      console.error(`admin:create failed: ${(error as Error).message.trim()}`);
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
