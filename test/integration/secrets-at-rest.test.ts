import { Client } from "pg";
import { PASSWORD, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { linkNotifications, RESET_EVENT, resetToken, verificationToken } from "../support/recovery";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * A copy of the database (a dump, a backup, a read replica) must not be enough to use a pending
 * e-mail verification or password reset link. Kafka is off here, as in the embedded default: the
 * notifications wait in the outbox, which is where they would sit for good.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** Every row of every table of the database, as text. */
async function dumpDatabase(): Promise<string> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const rows: string[] = [];
    for (const { table_name } of tables.rows) {
      const result = await client.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      rows.push(...result.rows.map((r) => r.row as string));
    }
    return rows.join("\n");
  } finally {
    await client.end();
  }
}

describe("one-time links at rest", () => {
  it("keeps neither the token nor the link of a pending reset or verification in the database", async () => {
    const session = await registerUser(server.client);
    const reset = await resetToken(server, session.user);
    const verification = await verificationToken(server, session);
    const [notification] = await linkNotifications(server, session.user.id, RESET_EVENT);

    const dump = await dumpDatabase();
    expect(dump).toContain(session.user.id); // the dump is real
    for (const secret of [reset, verification, notification!.link]) expect(dump).not.toContain(secret);

    // What the notification service receives still works.
    const response = await server.client.request(op("ResetPassword"), {
      token: reset,
      newPassword: "N3w!Passw0rd",
    });
    expect(response.data).toEqual({ resetPassword: true });
    expect(PASSWORD).not.toBe("N3w!Passw0rd");
  });

  it("derives nothing usable without the server's secret: another secret gives another token", async () => {
    const session = await registerUser(server.client);
    const token = await resetToken(server, session.user);
    const row = await server.container.db.outboxEvent.findFirstOrThrow({
      where: { key: session.user.id, eventType: RESET_EVENT },
      orderBy: { id: "desc" },
    });
    const { tokenRef } = (row.payload as { data: { tokenRef: string } }).data;
    const other = await startTestServer({
      ONE_TIME_LINK_SECRET: "another-secret-that-is-at-least-32-bytes!!",
    });
    try {
      expect(other.container.linkTokens.derive("PASSWORD_RESET", tokenRef)).not.toBe(token);
      expect(server.container.linkTokens.derive("PASSWORD_RESET", tokenRef)).toBe(token);
    } finally {
      await other.stop();
    }
  });
});
