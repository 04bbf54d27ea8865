import { claimsOf } from "../support/accounts";
import {
  createAdmin,
  createUserWithRole,
  login,
  missingId,
  PASSWORD,
  registerUser,
  type Session,
} from "../support/factories";
import { auditEntries } from "../support/records";
import { linkNotifications, RESET_EVENT } from "../support/recovery";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, untilListening } from "../support/ws-client";

/**
 * What the admin's playground panels need from the API (issue: the admin's playground): a user's
 * login history for staff, session events that name their user, ending one session of a user,
 * and an admin-sent password reset link. Over HTTP and graphql-ws, as clients call them.
 */

let server: TestServer;
let admin: Session & { password: string };
let moderator: Session & { password: string };

beforeAll(async () => {
  server = await startTestServer({ SESSION_TOUCH_INTERVAL_SECONDS: "0" });
  admin = await createAdmin(server);
  moderator = await createUserWithRole(server, "MODERATOR", admin);
});
afterEach(closeAllWs);
afterAll(() => server.stop());

const HISTORY = `query History($id: ID!, $first: Int!, $after: String) {
  user(id: $id) {
    loginHistory(first: $first, after: $after) {
      edges { cursor node { id success failureReason ipAddress userAgent createdAt } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}`;

type Attempt = { success: boolean; failureReason: string | null; userAgent: string | null };

async function historyPage(token: string, id: string, first: number, after?: string) {
  return server.client.request(HISTORY, { id, first, after }, { token });
}

describe("User.loginHistory", () => {
  let person: Session;

  beforeAll(async () => {
    person = await registerUser(server.client);
    // register (no history row), then: a failure, a success, a failure, a success.
    const attempts: Array<[string, string]> = [
      ["Wr0ng!password", "agent/1"],
      [PASSWORD, "agent/2"],
      ["Wr0ng!password", "agent/3"],
      [PASSWORD, "agent/4"],
    ];
    for (const [password, agent] of attempts) {
      await server.client.request(
        "mutation($i: LoginInput!) { login(input: $i) { tokenType } }",
        { i: { email: person.user.email, password } },
        { headers: { "user-agent": agent } },
      );
    }
  });

  it("gives an ADMIN a user's attempts, newest first, a page at a time", async () => {
    const first = await historyPage(admin.accessToken, person.user.id, 3);
    expect(first.errors).toBeUndefined();
    const page1 = first.data!.user.loginHistory;
    expect(
      page1.edges.map((e: { node: Attempt }) => [e.node.success, e.node.failureReason, e.node.userAgent]),
    ).toEqual([
      [true, null, "agent/4"],
      [false, "INVALID_PASSWORD", "agent/3"],
      [true, null, "agent/2"],
    ]);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const second = await historyPage(admin.accessToken, person.user.id, 3, page1.pageInfo.endCursor);
    const page2 = second.data!.user.loginHistory;
    expect(page2.edges.map((e: { node: Attempt }) => e.node.userAgent)).toEqual(["agent/1"]);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("gives a MODERATOR a USER account's history, and refuses them a staff account's", async () => {
    const allowed = await historyPage(moderator.accessToken, person.user.id, 1);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.user.loginHistory.edges).toHaveLength(1);

    const staff = await historyPage(moderator.accessToken, admin.user.id, 1);
    expect(staff.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(staff.errors?.[0]?.path).toEqual(["user", "loginHistory"]);
    // The rest of the user is still answered: only the field is withheld.
    expect(staff.data?.user).toBeNull();
  });

  it("gives a user their own, and nobody else's", async () => {
    const own = await server.client.request(
      "{ me { loginHistory(first: 2) { edges { node { success } } } } }",
      {},
      {
        token: (await login(server.client, person.user.email)).accessToken,
      },
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.me.loginHistory.edges[0].node.success).toBe(true);

    const stranger = await registerUser(server.client);
    const entities = await server.client.request(
      "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id loginHistory(first: 1) { edges { cursor } } } } }",
      { r: [{ __typename: "User", id: person.user.id }] },
      { token: stranger.accessToken },
    );
    expect(entities.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(entities.errors?.[0]?.path).toEqual(["_entities", 0, "loginHistory"]);
  });

  it("answers bad paging with BAD_USER_INPUT", async () => {
    const tooMany = await historyPage(admin.accessToken, person.user.id, 101);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const badCursor = await historyPage(admin.accessToken, person.user.id, 1, "not-a-cursor");
    expect(badCursor.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("is reached over graphql-ws through an event's user, under the same rule", async () => {
    // The socket carries subscriptions only; a User reached there is SessionEvent.user.
    const query = `subscription($userId: ID) {
      userSessionEvents(userId: $userId) { type user { loginHistory(first: 1) { edges { node { success userAgent } } } } }
    }`;
    const events = connectWs(server, admin.accessToken).subscribeQuery(query, { userId: person.user.id });
    await untilListening(server, channels(server).sessionEvents(person.user.id));
    await server.client.request(
      "mutation($i: LoginInput!) { login(input: $i) { tokenType } }",
      { i: { email: person.user.email, password: PASSWORD } },
      { headers: { "user-agent": "agent/5" } },
    );
    const [created] = await events.next(1, (e) => e.type === "SESSION_CREATED");
    expect(created!.user.loginHistory.edges).toEqual([{ node: { success: true, userAgent: "agent/5" } }]);
  });
});

const EVENTS_WITH_USER = `subscription($userId: ID) {
  userSessionEvents(userId: $userId) { type userId user { id email role } }
}`;

describe("SessionEvent.user", () => {
  it("names the user of every event an admin watches, with the e-mail", async () => {
    const person = await registerUser(server.client);
    const events = connectWs(server, admin.accessToken).subscribeQuery(EVENTS_WITH_USER, {
      userId: person.user.id,
    });
    await untilListening(server, channels(server).sessionEvents(person.user.id));
    await login(server.client, person.user.email);
    const [created] = await events.next(1, (e) => e.type === "SESSION_CREATED");
    expect(created!.user).toEqual({ id: person.user.id, email: person.user.email, role: "USER" });
  });

  it("is read fresh for each event: a role changed during the subscription shows", async () => {
    const person = await registerUser(server.client);
    const events = connectWs(server, admin.accessToken).subscribeQuery(EVENTS_WITH_USER, {
      userId: person.user.id,
    });
    await untilListening(server, channels(server).sessionEvents(person.user.id));
    await login(server.client, person.user.email);
    await events.next(1, (e) => e.type === "SESSION_CREATED");
    const promoted = await server.client.request(
      "mutation($id: ID!) { setUserRole(userId: $id, role: MODERATOR) { role } }",
      { id: person.user.id },
      { token: admin.accessToken },
    );
    expect(promoted.errors).toBeUndefined();
    const revoked = await events.next(1, (e) => e.type === "SESSION_REVOKED");
    expect(revoked[0]!.user.role).toBe("MODERATOR");
  });

  it("names the user in a user's own events too, under the same field rules", async () => {
    const person = await registerUser(server.client);
    const own = connectWs(server, person.accessToken).subscribeQuery(
      "subscription { sessionEvents { type user { id email } } }",
    );
    await untilListening(server, channels(server).sessionEvents(person.user.id));
    await login(server.client, person.user.email);
    const [created] = await own.next(1, (e) => e.type === "SESSION_CREATED");
    expect(created!.user).toEqual({ id: person.user.id, email: person.user.email });
  });
});

const END_ONE = "mutation($u: ID!, $s: ID!) { revokeUserSession(userId: $u, sessionId: $s) }";

describe("revokeUserSession", () => {
  it("ends exactly that session at once, announces it and writes an audit entry", async () => {
    const person = await registerUser(server.client);
    const phone = await login(server.client, person.user.email);
    const laptop = await login(server.client, person.user.email);
    const events = connectWs(server, admin.accessToken).subscribeQuery(
      "subscription($userId: ID) { userSessionEvents(userId: $userId) { type sessionId reason } }",
      { userId: person.user.id },
    );
    await untilListening(server, channels(server).sessionEvents(person.user.id));

    const ended = await server.client.request(
      END_ONE,
      { u: person.user.id, s: claimsOf(phone.accessToken).sid },
      { token: admin.accessToken },
    );
    expect(ended.errors).toBeUndefined();
    expect(ended.data).toEqual({ revokeUserSession: true });

    const me = "{ me { id } }";
    expect(
      (await server.client.request(me, {}, { token: phone.accessToken })).errors?.[0]?.extensions?.code,
    ).toBe("UNAUTHENTICATED");
    expect((await server.client.request(me, {}, { token: laptop.accessToken })).errors).toBeUndefined();
    const [revoked] = await events.next(1, (e) => e.type === "SESSION_REVOKED");
    expect(revoked).toMatchObject({ sessionId: claimsOf(phone.accessToken).sid, reason: "REVOKED_BY_ADMIN" });

    const audit = await auditEntries(server, person.user.id);
    expect(audit.at(-1)).toMatchObject({
      action: "SESSION_REVOKED",
      actorId: admin.user.id,
      details: { sessionId: claimsOf(phone.accessToken).sid },
    });
  });

  it("answers SESSION_NOT_FOUND for a session of someone else, and USER_NOT_FOUND for no one", async () => {
    const person = await registerUser(server.client);
    const other = await registerUser(server.client);
    const notTheirs = await server.client.request(
      END_ONE,
      { u: person.user.id, s: claimsOf(other.accessToken).sid },
      { token: admin.accessToken },
    );
    expect(notTheirs.errors?.[0]?.extensions?.code).toBe("SESSION_NOT_FOUND");
    // The other user's session is untouched.
    expect(
      (await server.client.request("{ me { id } }", {}, { token: other.accessToken })).errors,
    ).toBeUndefined();
    const missing = await server.client.request(
      END_ONE,
      { u: missingId(), s: missingId() },
      { token: admin.accessToken },
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe("USER_NOT_FOUND");
    expect(await auditEntries(server, person.user.id)).toEqual([]);
  });

  it("is refused to a MODERATOR, and on the subscription socket (subscriptions only): the session lives on", async () => {
    const person = await registerUser(server.client);
    const refused = await server.client.request(
      END_ONE,
      { u: person.user.id, s: claimsOf(person.accessToken).sid },
      { token: moderator.accessToken },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const overWs = connectWs(server, admin.accessToken).subscribeQuery(END_ONE, {
      u: person.user.id,
      s: claimsOf(person.accessToken).sid,
    });
    await overWs.end();
    expect(overWs.results[0]?.errors?.[0]?.extensions?.code ?? JSON.stringify(overWs.ended)).toMatch(
      /BAD_REQUEST/,
    );
    expect(
      (await server.client.request("{ me { id } }", {}, { token: person.accessToken })).errors,
    ).toBeUndefined();
  });
});

const SEND_RESET = "mutation($id: ID!) { sendPasswordReset(userId: $id) }";

describe("sendPasswordReset", () => {
  it("e-mails the user a working reset link, with a notification event and an audit entry", async () => {
    const person = await registerUser(server.client);
    const sent = await server.client.request(
      SEND_RESET,
      { id: person.user.id },
      { token: admin.accessToken },
    );
    expect(sent.errors).toBeUndefined();
    expect(sent.data).toEqual({ sendPasswordReset: true });

    const [notification] = await linkNotifications(server, person.user.id, RESET_EVENT);
    expect(notification).toMatchObject({
      userId: person.user.id,
      email: person.user.email,
      template: "password_reset",
    });
    const audit = await auditEntries(server, person.user.id);
    expect(audit.at(-1)).toMatchObject({ action: "PASSWORD_RESET_SENT", actorId: admin.user.id });
    // The audit entry never holds the link or its token.
    expect(JSON.stringify(audit)).not.toContain(notification!.token);

    // The link works: the person sets a new password with it and signs in.
    const reset = await server.client.request(
      "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
      { t: notification!.token, p: "An0ther!Passw0rd" },
    );
    expect(reset.errors).toBeUndefined();
    await expect(login(server.client, person.user.email, "An0ther!Passw0rd")).resolves.toBeDefined();
  });

  it("refuses a disabled account, no one, and a MODERATOR; sends nothing then", async () => {
    const person = await registerUser(server.client);
    await server.client.request(
      "mutation($id: ID!) { setUserActive(userId: $id, active: false) { id } }",
      { id: person.user.id },
      { token: admin.accessToken },
    );
    const disabled = await server.client.request(
      SEND_RESET,
      { id: person.user.id },
      { token: admin.accessToken },
    );
    expect(disabled.errors?.[0]?.extensions?.code).toBe("ACCOUNT_DISABLED");
    const missing = await server.client.request(
      SEND_RESET,
      { id: missingId() },
      { token: admin.accessToken },
    );
    expect(missing.errors?.[0]?.extensions?.code).toBe("USER_NOT_FOUND");
    const byModerator = await server.client.request(
      SEND_RESET,
      { id: person.user.id },
      { token: moderator.accessToken },
    );
    expect(byModerator.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await linkNotifications(server, person.user.id, RESET_EVENT)).toEqual([]);
  });

  it("is refused on the subscription socket (subscriptions only): nothing is sent", async () => {
    const person = await registerUser(server.client);
    const overWs = connectWs(server, admin.accessToken).subscribeQuery(SEND_RESET, { id: person.user.id });
    await overWs.end();
    expect(overWs.results[0]?.errors?.[0]?.extensions?.code ?? JSON.stringify(overWs.ended)).toMatch(
      /BAD_REQUEST/,
    );
    expect(await linkNotifications(server, person.user.id, RESET_EVENT)).toEqual([]);
  });
});
