import type { Database } from "../../src/infra/prisma";
import type { PrismaClient } from "../../src/generated/prisma/client";

/**
 * Records every SQL statement the gateway's Prisma client runs (its `query` log events, which
 * src/infra/prisma.ts turns on), from the moment this is called.
 */
export function recordQueries(db: Database): { statements: string[]; reset(): void } {
  const recorder = {
    statements: [] as string[],
    reset() {
      recorder.statements = [];
    },
  };
  (db as unknown as PrismaClient<"query">).$on("query", (event) => {
    recorder.statements.push(event.query);
  });
  return recorder;
}
