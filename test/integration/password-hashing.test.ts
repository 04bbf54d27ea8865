import { existsSync, readdirSync, readFileSync } from "node:fs";
import { login, registerUser } from "../support/factories";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * Hashing runs on threads of its own at the configured nice value, never more of them than
 * BCRYPT_CONCURRENCY. The test server runs in this process, so its threads are ours to inspect.
 */

function threadsWithNice(nice: number): string[] {
  return readdirSync("/proc/self/task").filter((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Field 19 is the nice value; fields after the command name start after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) === nice;
  });
}

const linux = existsSync("/proc/self/task");
let server: TestServer;
beforeAll(async () => {
  // Six logins at once: the lockout reserves each attempt as a failure before hashing, so with
  // the default of 5 the burst itself could lock the account. This test is about the threads.
  server = await startTestServer({ BCRYPT_NICE: "7", BCRYPT_CONCURRENCY: "2", MAX_LOGIN_ATTEMPTS: "50" });
});
afterAll(() => server.stop());

(linux ? describe : describe.skip)("password hashing threads", () => {
  it("run at BCRYPT_NICE, at most BCRYPT_CONCURRENCY of them, and the event loop stays at normal priority", async () => {
    expect(threadsWithNice(7)).toEqual([]);
    const user = await registerUser(server.client);

    const seen = new Set<string>();
    const logins = Array.from({ length: 6 }, () => login(server.client, user.user.email));
    const watching = setInterval(() => {
      for (const tid of threadsWithNice(7)) seen.add(tid);
    }, 5);
    await Promise.all(logins);
    clearInterval(watching);

    expect(seen.size).toBeGreaterThanOrEqual(1);
    expect(seen.size).toBeLessThanOrEqual(2);
    expect(threadsWithNice(7).length).toBeLessThanOrEqual(2);
    expect(seen.has(String(process.pid))).toBe(false);
  });
});
