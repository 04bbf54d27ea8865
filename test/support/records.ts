import type { TestServer } from "./test-server";

/** What the server committed, read straight from its database: events and audit entries. */

export async function outboxEvents(server: TestServer, userId: string, eventType?: string) {
  const rows = await server.container.db.outboxEvent.findMany({
    where: { key: userId, ...(eventType && { eventType }) },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => row.payload as { eventType: string; data: Record<string, any> });
}

export function auditEntries(server: TestServer, targetId: string) {
  return server.container.db.auditEntry.findMany({
    where: { targetId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}
