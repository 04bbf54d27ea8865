import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Config } from "../config";
import { applyMigrations } from "../db/migrate";
import type { Logger } from "./logger";

/**
 * The embedded database of `npm start` without DATABASE_URL: PGlite (PostgreSQL compiled to
 * WebAssembly) keeps its files in EMBEDDED_DATA_DIR and is served over PostgreSQL's wire protocol
 * on a Unix socket by pglite-socket, so Prisma's pg adapter and the migration runner use it
 * exactly as they use a real server. Migrations are applied at start-up.
 *
 * One process owns the data folder at a time (a lock file holds its pid): PGlite is a single
 * process database. Other processes of the same checkout (`admin:create`) pass `shareRunning` and
 * connect to the owner's socket instead of opening the files.
 */

export interface EmbeddedBackends {
  /** Stops what this process started; nothing when it uses another process's database. */
  close(): Promise<void>;
}

export class EmbeddedDatabaseBusyError extends Error {}

const NOTHING: EmbeddedBackends = { close: async () => undefined };
/** pg's pool (Prisma) opens up to 10 connections; pglite-socket queues their queries. */
const MAX_CONNECTIONS = 32;

/** Does a server accept connections on this Unix socket? */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the data folder's lock file, or says which live process holds it. */
function lock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new EmbeddedDatabaseBusyError(
          `the embedded database in ${path.dirname(lockPath)} is in use by process ${owner}: ` +
            "stop that gateway first, or give this one its own EMBEDDED_DATA_DIR or a DATABASE_URL",
        );
      }
      fs.rmSync(lockPath, { force: true }); // left behind by a process that died
    }
  }
  throw new EmbeddedDatabaseBusyError(`could not lock ${lockPath}`);
}

/**
 * Starts the embedded database when DATABASE_URL is unset (a no-op otherwise) and applies the
 * migrations. The in-process Redis needs no start: infra/redis.ts builds it with its clients.
 */
export async function startEmbeddedBackends(
  config: Config,
  logger: Logger,
  options: { shareRunning?: boolean } = {},
): Promise<EmbeddedBackends> {
  const embedded = config.embedded.database;
  if (!embedded) return NOTHING;

  if (await socketAnswers(embedded.socketPath)) {
    if (options.shareRunning) return NOTHING;
    throw new EmbeddedDatabaseBusyError(
      `another process serves the embedded database in ${embedded.dataDir}: stop that gateway ` +
        "first, or give this one its own EMBEDDED_DATA_DIR or a DATABASE_URL",
    );
  }

  fs.mkdirSync(embedded.pgliteDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(embedded.socketDir, { recursive: true, mode: 0o700 });
  const unlock = lock(path.join(embedded.dataDir, "pglite.lock"));
  fs.rmSync(embedded.socketPath, { force: true }); // a socket file left by a process that died

  // Loaded on demand: a gateway with DATABASE_URL never loads the WebAssembly build.
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  let pglite: InstanceType<typeof PGlite> | undefined;
  let server: InstanceType<typeof PGLiteSocketServer> | undefined;
  const stop = async () => {
    await server?.stop().catch(() => undefined);
    await pglite?.close().catch(() => undefined);
    fs.rmSync(embedded.socketPath, { force: true });
    // The socket's own folder in the temp directory (long data folder paths): empty now.
    if (embedded.socketDir !== embedded.dataDir)
      fs.rmSync(embedded.socketDir, { recursive: true, force: true });
    unlock();
  };
  try {
    pglite = await PGlite.create(embedded.pgliteDir);
    server = new PGLiteSocketServer({
      db: pglite,
      path: embedded.socketPath,
      maxConnections: MAX_CONNECTIONS,
    });
    await server.start();
    // PGlite asks for no password: only this user may connect.
    fs.chmodSync(embedded.socketPath, 0o600);
    await applyMigrations(config.databaseUrl, {
      log: (message) => logger.info({ embedded: "database" }, `migrations: ${message}`),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { close: stop };
}
