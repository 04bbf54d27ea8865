// Without KAFKA_BOOTSTRAP_SERVERS the relay is off: it says so at start-up, the gateway serves as
// usual, readiness shows Kafka as disabled, and events wait in the outbox for a relay.
import { registerUser } from "../support/factories";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ KAFKA_BOOTSTRAP_SERVERS: "" });
});
afterAll(async () => {
  await server.stop();
});

it("serves without Kafka, says the relay is off, and keeps the events in the outbox", async () => {
  expect(server.logs).toContainEqual(
    expect.objectContaining({
      level: 40,
      msg: expect.stringMatching(/^kafka relay off: KAFKA_BOOTSTRAP_SERVERS is not set/),
    }),
  );

  const session = await registerUser(server.client);
  expect(session.user.id).toEqual(expect.any(String));

  const response = await fetch(`${server.url}/health/readiness`);
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({
    status: "ready",
    checks: { database: "up", redis: "up", kafka: "disabled" },
  });

  const rows = await server.container.db.outboxEvent.findMany({ where: { key: session.user.id } });
  expect(rows.map((row) => [row.eventType, row.publishedAt])).toEqual(
    expect.arrayContaining([
      ["user.created", null],
      ["notification.welcome", null],
    ]),
  );
  expect((await server.container.relay.backlog()).pending).toBeGreaterThanOrEqual(2);
});
