import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import bcrypt from "bcrypt";
import { databaseServer, deleteRedisKeys } from "../scripts/dev-services";
import { createDatabase } from "../src/infra/prisma";

/** The bench database (created, migrated, seeded, dropped) and the bench Redis key prefix. */

const ROOT = path.resolve(__dirname, "..");
export const ADMIN_DATABASE_URL =
  process.env.BENCH_ADMIN_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export const PASSWORD = "Bench!Passw0rd";

const server = databaseServer(ADMIN_DATABASE_URL);

/** Creates the database and migrates it with the production migration runner. */
export async function createBenchDatabase(name: string): Promise<string> {
  const url = await server.create(name);
  await promisify(execFile)(process.execPath, [path.join(ROOT, "dist", "db", "migrate.js")], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
  });
  return url;
}

export const dropBenchDatabase = server.drop;

/** An empty database for the better-auth peer (it creates its own tables). */
export const createPeerDatabase = (name: string): Promise<string> => server.create(name);

export function deleteBenchRedisKeys(prefix: string): Promise<void> {
  return deleteRedisKeys(REDIS_URL, prefix);
}

export interface Seeded {
  /** Accounts whose hash has the configured cost: what login and its flood sign in as. */
  loginEmails: string[];
  /** Accounts with a cost-4 hash, cheap to sign in while setting up the other scenarios. */
  tokenEmails: string[];
  adminEmail: string;
  eventsEmail: string;
  totalUsers: number;
}

/**
 * Seeds users straight into the database (Prisma, as an operator's import would): the accounts
 * the scenarios sign in as, one ADMIN, and enough others that the admin's page of 20 is a real
 * page of a real table. `loginHash` is a hash of PASSWORD at the configured cost.
 */
export async function seed(
  url: string,
  loginHash: string,
  counts: { login: number; token: number; total: number },
): Promise<Seeded> {
  const db = createDatabase(url);
  try {
    const cheapHash = await bcrypt.hash(PASSWORD, 4);
    const rows: Array<{
      email: string;
      name: string;
      passwordHash: string;
      role?: "ADMIN";
      isVerified: boolean;
      createdAt: Date;
    }> = [];
    const start = Date.now() - 365 * 24 * 3600 * 1000;
    const add = (email: string, passwordHash: string, role?: "ADMIN") =>
      rows.push({
        email,
        name: `Bench ${email.split("@")[0]}`,
        passwordHash,
        role,
        isVerified: true,
        createdAt: new Date(start + rows.length * 60_000),
      });

    const loginEmails = Array.from({ length: counts.login }, (_, i) => `bench.login.${i}@example.com`);
    const tokenEmails = Array.from({ length: counts.token }, (_, i) => `bench.token.${i}@example.com`);
    for (const email of loginEmails) add(email, loginHash);
    for (const email of tokenEmails) add(email, cheapHash);
    add("bench.admin@example.com", cheapHash, "ADMIN");
    add("bench.events@example.com", cheapHash);
    while (rows.length < counts.total) add(`bench.other.${rows.length}@example.com`, cheapHash);
    for (let i = 0; i < rows.length; i += 1000) {
      await db.user.createMany({ data: rows.slice(i, i + 1000) });
    }
    return {
      loginEmails,
      tokenEmails,
      adminEmail: "bench.admin@example.com",
      eventsEmail: "bench.events@example.com",
      totalUsers: rows.length,
    };
  } finally {
    await db.$disconnect();
  }
}
