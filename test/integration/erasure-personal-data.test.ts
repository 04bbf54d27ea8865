import { createAdmin, PASSWORD, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * After erasure nothing the gateway keeps identifies the person, on every path that erases
 * (deleteMyAccount and an admin's deleteUser share UserErasureService), the outbox included:
 * with Kafka off (as here, and in the embedded default) its rows would keep them for good.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function personWithHistory(ip: string) {
  const name = `Grace Hopper ${Math.random().toString(36).slice(2, 8)}`;
  const session = await registerUser(server.client, { name }, { "x-forwarded-for": ip });
  await server.client.request(
    op("UpdateProfile"),
    { input: { name: `${name} II` } },
    { token: session.accessToken },
  );
  await server.client.request(op("Login"), { input: { email: session.user.email, password: PASSWORD } });
  await server.client.request(op("RequestPasswordReset"), { email: session.user.email });
  await server.client.request(op("RequestEmailVerification"), {}, { token: session.accessToken });
  await server.container.background.idle();
  return { session, name };
}

const rowsOf = (userId: string) => server.container.db.outboxEvent.findMany({ where: { key: userId } });

describe.each([
  [
    "deleteMyAccount",
    async (session: { accessToken: string; user: { id: string } }) =>
      server.client.request(op("DeleteMyAccount"), { password: PASSWORD }, { token: session.accessToken }),
  ],
  [
    "deleteUser",
    async (session: { user: { id: string } }) =>
      server.client.request(
        op("DeleteUser"),
        { userId: session.user.id },
        { token: (await createAdmin(server)).accessToken },
      ),
  ],
])("%s", (_name, erase) => {
  it("leaves no e-mail, name or IP of the person in the outbox, in the same transaction", async () => {
    const { session, name } = await personWithHistory("203.0.113.77");
    const before = JSON.stringify((await rowsOf(session.user.id)).map((r) => [r.payload, r.headers]));
    expect(before).toContain(session.user.email);
    expect(before).toContain(name);

    expect((await erase(session)).errors).toBeUndefined();
    const rows = await rowsOf(session.user.id);
    const after = JSON.stringify(rows.map((r) => [r.payload, r.headers]));
    expect(after).not.toContain(session.user.email);
    expect(after).not.toContain(name);
    expect(after).not.toContain("203.0.113.77");
    // Unsent requests to mail the person are gone; the state events remain, redacted.
    expect(rows.filter((r) => r.eventType.startsWith("notification.") && !r.publishedAt)).toEqual([]);
    expect(rows.map((r) => r.eventType)).toEqual(
      expect.arrayContaining(["user.created", "user.updated", "user.logged_in", "user.deleted"]),
    );
    const created = rows.find((r) => r.eventType === "user.created")!.payload as {
      data: Record<string, unknown>;
    };
    expect(created.data).toMatchObject({
      email: `deleted_${session.user.id}@deleted.invalid`,
      name: "Deleted User",
    });
  });
});
