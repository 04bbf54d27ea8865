import { randomUUID } from "node:crypto";
import { SessionStore } from "../../src/sessions/session.store";
import { claimsOf } from "./accounts";
import { PASSWORD, registerUser, uniqueEmail, type Session } from "./factories";
import { errorOf, type GraphQLResponse } from "./graphql-client";
import { op } from "./operations";
import { fromIp, randomIp } from "./rate-limits";
import type { TestServer } from "./test-server";
import { channels, connectWs, untilListening } from "./ws-client";

/**
 * The gateway's core rules as a table of scenarios, each run against two gateway processes that
 * share one Redis (`east` and `west`, as behind a load balancer): sign-in, refresh rotation and
 * reuse, logout, the session limit, the lockout, rate limits, profile-cache invalidation and
 * subscriptions. The topology tests run the whole table once per Redis topology, so a rule that
 * holds on one node but not on a Cluster or behind Sentinel shows up by name.
 */

export interface Pair {
  east: TestServer;
  west: TestServer;
}

/** The settings the table expects; a topology test adds its Redis variables. */
export const SCENARIO_ENV: Record<string, string> = {
  MAX_SESSIONS_PER_USER: "3",
  MAX_LOGIN_ATTEMPTS: "5",
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0",
  RATE_LIMIT_ENABLED: "true",
  TRUST_PROXY: "true",
  RATE_LIMIT_LOGIN_PER_IP: "4/1m",
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: "1000/1h",
  RATE_LIMIT_REGISTER_PER_IP: "1000/1h",
  RATE_LIMIT_REFRESH_PER_SESSION: "1000/1h",
};

const WRONG = "Wr0ng!password";

/** Each sign-in from an address of its own, so only the limits scenario meets a limit. */
async function signIn(server: TestServer, email: string, password = PASSWORD, ip = randomIp()) {
  return server.client.request(op("Login"), { input: { email, password } }, fromIp(ip));
}

async function signedIn(server: TestServer, email: string): Promise<Session> {
  const response = await signIn(server, email);
  if (response.errors) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data!.login;
}

const me = (server: TestServer, token: string) => server.client.request(op("Me"), {}, { token });
const refresh = (server: TestServer, refreshToken: string) =>
  server.client.request(op("RefreshToken"), { refreshToken });
const reason = (response: GraphQLResponse) => errorOf(response).reason ?? errorOf(response).code;
const sidOf = (session: { accessToken: string }) => claimsOf(session.accessToken).sid;

export const CORE_SCENARIOS: Record<string, (pair: Pair) => Promise<void>> = {
  async "sign-in: a session made through one process is signed in on the other"({ east, west }) {
    const registered = await registerUser(east.client);
    const session = await signedIn(west, registered.user.email);
    expect((await me(east, session.accessToken)).data?.me.id).toBe(registered.user.id);
    expect((await me(west, registered.accessToken)).data?.me.id).toBe(registered.user.id);
    expect(errorOf(await signIn(east, registered.user.email, WRONG)).code).toBe("INVALID_CREDENTIALS");
  },

  async "refresh: rotation through one process, reuse detected on the other ends the session"({
    east,
    west,
  }) {
    const session = await registerUser(east.client);
    const rotated = await refresh(east, session.refreshToken);
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data!.refreshToken;
    expect((await me(west, next.accessToken)).data?.me.id).toBe(session.user.id);
    // The rotated token again: reuse. The session ends, with the pair it had minted.
    expect(errorOf(await refresh(west, session.refreshToken)).code).toBe("TOKEN_INVALID");
    expect(reason(await me(east, next.accessToken))).toBe("SESSION_NOT_FOUND");
    expect(errorOf(await refresh(east, next.refreshToken)).code).toBe("SESSION_NOT_FOUND");
  },

  async "logout: one session, then all, each ended on both processes at once"({ east, west }) {
    const first = await registerUser(east.client);
    const second = await signedIn(east, first.user.email);
    const third = await signedIn(west, first.user.email);
    expect((await west.client.request(op("Logout"), {}, { token: first.accessToken })).data?.logout).toBe(
      true,
    );
    expect(reason(await me(east, first.accessToken))).toBe("SESSION_NOT_FOUND");
    expect((await me(east, second.accessToken)).data?.me.id).toBe(first.user.id);

    const all = await east.client.request(op("LogoutAll"), {}, { token: second.accessToken });
    expect(all.data?.logoutAll).toBe(2);
    for (const session of [second, third]) {
      expect(reason(await me(west, session.accessToken))).toBe("SESSION_NOT_FOUND");
      expect(errorOf(await refresh(west, session.refreshToken)).code).toBe("SESSION_NOT_FOUND");
    }
  },

  async "session limit: concurrent sign-ins on both processes keep the newest MAX_SESSIONS_PER_USER"({
    east,
    west,
  }) {
    const registered = await registerUser(east.client);
    // Four at once: fewer than MAX_LOGIN_ATTEMPTS, whose lockout reserves each attempt ahead.
    const sessions = await Promise.all(
      Array.from({ length: 4 }, (_, i) => signedIn(i % 2 === 0 ? east : west, registered.user.email)),
    );
    const all = [registered, ...sessions];
    const alive: string[] = [];
    for (const [index, session] of all.entries()) {
      const answer = await me(index % 2 === 0 ? east : west, session.accessToken);
      if (answer.data?.me) alive.push(sidOf(session));
      else expect(reason(answer)).toBe("SESSION_NOT_FOUND");
    }
    expect(alive).toHaveLength(3);
    const survivor = all.find((session) => alive.includes(sidOf(session)))!;
    const listed = await west.client.request(op("MySessions"), {}, { token: survivor.accessToken });
    expect(listed.data!.mySessions.map((s: { id: string }) => s.id).sort()).toEqual([...alive].sort());
    // The first session (registration) is the least recently used: always among the ended.
    expect(alive).not.toContain(sidOf(registered));
  },

  async "session store: concurrent creates and a revoke-all on both processes stay consistent"({
    east,
    west,
  }) {
    const userId = randomUUID();
    const stores = [east, west].map(
      (server) =>
        new SessionStore({
          redis: server.container.redis,
          options: { ttlSeconds: 600, maxPerUser: 3, graceSeconds: 0 },
        }),
    );
    const create = (i: number) =>
      stores[i % 2]!.create({ id: `s${i}`, userId, refreshJti: "r", accessJti: "a", issuedAt: 1 }, 1_000 + i);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => create(i)));
    const live = (await stores[0]!.listForUser(userId)).map((session) => session.id);
    expect(live).toHaveLength(3);
    // Every session ended to make room was reported once, by the create that ended it.
    const evicted = results.flatMap((result) => result.evicted);
    expect(new Set(evicted).size).toBe(evicted.length);
    expect([...evicted, ...live].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`).sort());

    const [revoked] = await Promise.all([stores[1]!.revokeAllExcept(userId), create(20), create(21)]);
    const after = (await stores[0]!.listForUser(userId)).map((session) => session.id);
    // What revoke-all did not end was created after it: never a session it saw.
    expect(after.filter((id) => live.includes(id))).toEqual([]);
    expect(revoked.every((id) => live.includes(id) || id === "s20" || id === "s21")).toBe(true);
  },

  async "lockout: failures through both processes lock the address for both"({ east, west }) {
    const { user } = await registerUser(east.client);
    for (const server of [east, west, east, west]) {
      expect(errorOf(await signIn(server, user.email, WRONG)).code).toBe("INVALID_CREDENTIALS");
    }
    expect(errorOf(await signIn(east, user.email, WRONG)).code).toBe("ACCOUNT_LOCKED");
    expect(errorOf(await signIn(west, user.email)).code).toBe("ACCOUNT_LOCKED");
    expect(errorOf(await signIn(east, user.email)).code).toBe("ACCOUNT_LOCKED");
  },

  async "limits: one address's login budget is shared by both processes"({ east, west }) {
    const { user } = await registerUser(east.client);
    const ip = randomIp();
    for (const server of [east, west, east, west]) {
      expect((await signIn(server, user.email, PASSWORD, ip)).errors).toBeUndefined();
    }
    for (const server of [west, east]) {
      expect(errorOf(await signIn(server, user.email, PASSWORD, ip))).toMatchObject({
        code: "RATE_LIMITED",
        limit: "loginPerIp",
      });
    }
  },

  async "cache: a profile change through one process is what the other serves"({ east, west }) {
    const session = await registerUser(east.client);
    expect((await me(west, session.accessToken)).data?.me.name).toBe("Test User");
    const name = `Renamed ${uniqueEmail().slice(0, 8)}`;
    const updated = await east.client.request(
      op("UpdateProfile"),
      { input: { name } },
      { token: session.accessToken },
    );
    expect(updated.errors).toBeUndefined();
    expect((await me(west, session.accessToken)).data?.me.name).toBe(name);
    expect((await me(east, session.accessToken)).data?.me.name).toBe(name);
  },

  async "subscriptions: events caused through one process reach a subscriber on the other, and revocation closes its socket"({
    east,
    west,
  }) {
    const subscriber = await registerUser(east.client);
    const ws = connectWs(east, subscriber.accessToken);
    const events = ws.subscribe("SessionEvents");
    await untilListening(east, channels(east).sessionEvents(subscriber.user.id));
    await untilListening(east, channels(east).authChanged(subscriber.user.id));

    const phone = await signedIn(west, subscriber.user.email);
    await west.client.request(op("Logout"), {}, { token: phone.accessToken });
    expect((await events.next(2)).map((event) => [event.type, event.sessionId])).toEqual([
      ["SESSION_CREATED", sidOf(phone)],
      ["SESSION_REVOKED", sidOf(phone)],
    ]);

    const laptop = await signedIn(west, subscriber.user.email);
    await west.client.request(op("RevokeSession"), { id: sidOf(subscriber) }, { token: laptop.accessToken });
    expect(await ws.waitClosed()).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
  },
};
