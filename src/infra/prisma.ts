import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

/** Query events are on, so tests (and operators) can count and time SQL statements. */
export type Database = PrismaClient<"query">;
/** The client handed to work inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * Builds the one Prisma client of the process (driver adapter: no engine binary needed).
 * `statementTimeoutMs` makes PostgreSQL cancel any statement that runs longer.
 */
export function createDatabase(
  connectionString: string,
  options: { statementTimeoutMs?: number } = {},
): Database {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString, statement_timeout: options.statementTimeoutMs }),
    log: [{ emit: "event", level: "query" }],
  });
}
