import { claimsOf, updateUser } from "../support/accounts";
import { login, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, untilListening } from "../support/ws-client";

/** Two gateway processes sharing one Redis (and key prefix), as behind a load balancer. */
let east: TestServer;
let west: TestServer;
beforeAll(async () => {
  [east, west] = await Promise.all([startTestServer(), startTestServer()]);
});
afterEach(closeAllWs);
afterAll(async () => {
  await Promise.all([east.stop(), west.stop()]);
});

const sidOf = (session: { accessToken: string }) => claimsOf(session.accessToken).sid;

it("delivers events caused through one process to a subscriber on the other", async () => {
  const me = await registerUser(west.client);
  const subscription = connectWs(east, me.accessToken).subscribe("SessionEvents");
  await untilListening(east, channels(east).sessionEvents(me.user.id));

  const phone = await login(west.client, me.user.email);
  await west.client.request(op("Logout"), {}, { token: phone.accessToken });

  expect((await subscription.next(2)).map((e) => [e.type, e.sessionId, e.reason])).toEqual([
    ["SESSION_CREATED", sidOf(phone), null],
    ["SESSION_REVOKED", sidOf(phone), "LOGOUT"],
  ]);
});

it("delivers to an ADMIN on one process what happens on the other", async () => {
  const admin = await registerUser(east.client);
  await updateUser(east, admin.user.id, { role: "ADMIN" });
  const watched = await registerUser(east.client);
  const subscription = connectWs(west, admin.accessToken).subscribe("UserSessionEvents", {
    userId: watched.user.id,
  });
  await untilListening(west, channels(west).sessionEvents(watched.user.id));

  await east.client.request(op("Login"), { input: { email: watched.user.email, password: "Wr0ng!pass" } });
  expect((await subscription.next(1)).map((e) => [e.userId, e.type])).toEqual([
    [watched.user.id, "LOGIN_FAILED"],
  ]);
});

it("closes a socket on one process when its session is revoked through the other", async () => {
  const me = await registerUser(east.client);
  const laptop = await login(east.client, me.user.email);
  const ws = connectWs(west, me.accessToken);
  ws.subscribe("SessionEvents");
  await untilListening(west, channels(west).authChanged(me.user.id));

  await east.client.request(op("RevokeSession"), { id: sidOf(me) }, { token: laptop.accessToken });
  expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
});

it("closes a socket on one process when the user is changed through the other", async () => {
  const admin = await registerUser(east.client);
  await updateUser(east, admin.user.id, { role: "ADMIN" });
  const ws = connectWs(west, admin.accessToken);
  ws.subscribe("UserSessionEvents", { userId: null });
  await untilListening(west, channels(west).authChanged(admin.user.id));

  await updateUser(east, admin.user.id, { role: "MODERATOR" });
  expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "ROLE_CHANGED" });
});
