import type { TestServer } from "./test-server";

/**
 * Counts the SQL statements a test server's Prisma client sends (its query events are on; see
 * src/infra/prisma.ts). Prisma offers no way to remove a listener, so one is added per server.
 */
const recorders = new WeakMap<TestServer, string[]>();

export function sqlRecorder(server: TestServer) {
  let statements = recorders.get(server);
  if (!statements) {
    const list: string[] = [];
    server.container.db.$on("query", (event) => list.push(event.query));
    recorders.set(server, list);
    statements = list;
  }
  const seen = statements;
  return {
    /** Runs `work` and returns the statements sent while it ran. */
    async during<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
      const start = seen.length;
      const result = await work();
      return { result, statements: seen.slice(start) };
    },
  };
}
