/// <reference lib="dom" />
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page, Request, Response } from "playwright-core";
import { chromiumInstalled, launchBrowser, screenshot } from "../support/browser";
import { login, PASSWORD, uniqueEmail, type Session } from "../support/factories";
import { buildFrontendExample } from "../support/frontend-example";
import { op } from "../support/operations";
import { startStaticServer, type StaticServer } from "../support/static-server";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The frontend example (examples/react-app: React, urql, graphql-ws, the typed documents from
 * codegen) built with Vite, served from its own origin, in Debian's Chromium against the real
 * gateway: sign up, me, one refresh for concurrent requests on TOKEN_EXPIRED, its own session
 * events, revocation, sign-in and log-out. Access tokens live 6 seconds here
 * (JWT_ACCESS_TOKEN_EXPIRE_MINUTES=0.1), so the app meets expiry for real.
 */

if (!chromiumInstalled()) {
  throw new Error("Chromium is missing: apt-get install -y chromium (.ci/run installs it)");
}

const SHOTS = "frontend-example";
let gateway: TestServer;
let site: StaticServer;
let browser: Browser;
let page: Page;
let outDir: string;
const user = { name: "Frieda Front", email: uniqueEmail("frontend"), password: PASSWORD };
const pageErrors: string[] = [];

/** What the page sent to the gateway and what came back, by operation name. */
interface Exchange {
  operation: string;
  method: string;
  authorization?: string;
  status?: number;
  body?: string;
}
const exchanges: Exchange[] = [];

function operationOf(request: Request): string {
  const url = new URL(request.url());
  const fromUrl = url.searchParams.get("operationName");
  if (fromUrl) return fromUrl;
  try {
    return (JSON.parse(request.postData() ?? "{}") as { operationName?: string }).operationName ?? "?";
  } catch {
    return "?";
  }
}

beforeAll(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), "frontend-example-"));
  site = await startStaticServer(outDir);
  gateway = await startTestServer({ CORS_ORIGINS: site.origin, JWT_ACCESS_TOKEN_EXPIRE_MINUTES: "0.1" });
  buildFrontendExample(gateway.graphqlUrl, outDir);

  browser = await launchBrowser();
  page = await browser.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("response", async (response: Response) => {
    const request = response.request();
    if (!request.url().startsWith(gateway.graphqlUrl) || request.method() === "OPTIONS") return;
    exchanges.push({
      operation: operationOf(request),
      method: request.method(),
      authorization: (await request.allHeaders()).authorization,
      status: response.status(),
      body: await response.text().catch(() => undefined),
    });
  });
  // Time in the page can be paused (below); it runs as usual until then.
  await page.clock.install();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.stop(), site?.stop()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

const heading = () => page.getByRole("heading", { level: 1 });
const live = () => page.getByTestId("live");
const count = (operation: string) => exchanges.filter((e) => e.operation === operation).length;
const until = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(exchanges.map((e) => [e.operation, e.status]))}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
};

it("signs up, then shows me, with its queries sent as GET with the token", async () => {
  await page.goto(site.origin);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign up" }).click();

  await heading()
    .filter({ hasText: `Hello, ${user.name}` })
    .waitFor();
  await page.getByTestId("profile").getByText(user.email).waitFor();
  await live().filter({ hasText: "Live" }).waitFor();
  await screenshot(page, SHOTS, "signed-up");

  const signUp = exchanges.find((e) => e.operation === "SignUp")!;
  expect(signUp).toMatchObject({ method: "POST", status: 200 });
  const profile = exchanges.find((e) => e.operation === "Profile")!;
  expect(profile).toMatchObject({
    method: "GET",
    status: 200,
    authorization: expect.stringMatching(/^Bearer /),
  });
});

it("on TOKEN_EXPIRED, refreshes once for two concurrent requests and retries both", async () => {
  // Pause the page's clock: it believes its token is still valid (as a browser with a clock
  // behind the gateway's would), and graphql-ws' reconnect timer waits. Then let the token expire
  // at the gateway, which also closes the socket (4403 TOKEN_EXPIRED).
  await page.clock.pauseAt(Date.now());
  const expiresAt = Date.parse((await page.getByTestId("expires-at").getAttribute("datetime"))!);
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 1_000));
  await live().filter({ hasText: "Reconnecting" }).waitFor();

  const start = exchanges.length;
  const refreshesBefore = count("Refresh");
  await page.getByRole("button", { name: "Reload" }).click();

  const since = (name: string) => exchanges.slice(start).filter((e) => e.operation === name);
  const expired = (name: string) => since(name).filter((e) => e.body?.includes("TOKEN_EXPIRED")).length;
  const answered = (name: string) =>
    since(name).filter((e) => e.status === 200 && e.body?.includes('"data"') && !e.body.includes('"errors"'))
      .length;
  await until(
    () => ["Profile", "Sessions"].every((name) => expired(name) === 1 && answered(name) === 1),
    "both queries to fail with TOKEN_EXPIRED, then succeed",
  );
  expect(count("Refresh") - refreshesBefore).toBe(1);

  // The socket reconnects with the token the refresh brought, without a second refresh.
  await page.clock.resume();
  await live().filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
  expect(count("Refresh") - refreshesBefore).toBe(1);
  await screenshot(page, SHOTS, "refreshed");
});

let other: Session;
it("shows its own session events as they happen (a sign-in elsewhere)", async () => {
  other = await login(gateway.client, user.email, user.password, { "user-agent": "Another device" });
  await page.getByTestId("events").getByText("SESSION_CREATED").first().waitFor({ timeout: 15_000 });
  await screenshot(page, SHOTS, "events");
});

it("signs out at once when its session is revoked from another device", async () => {
  const sessions = await gateway.client.request(op("MySessions"), {}, { token: other.accessToken });
  const browserSession = (sessions.data!.mySessions as Array<{ id: string; current: boolean }>).find(
    (s) => !s.current,
  )!;
  const revoked = await gateway.client.request(
    op("RevokeSession"),
    { id: browserSession.id },
    { token: other.accessToken },
  );
  expect(revoked.data).toEqual({ revokeSession: true });

  await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 15_000 });
  await expect(page.getByRole("status").textContent()).resolves.toMatch(
    /ended from another device|session has ended/,
  );
  await screenshot(page, SHOTS, "revoked");
});

it("signs in again, then logs out: the session ends at the gateway too", async () => {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await heading()
    .filter({ hasText: `Hello, ${user.name}` })
    .waitFor();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  expect(await page.getByRole("status").textContent()).toBe("You signed out.");
  await screenshot(page, SHOTS, "logged-out");

  const sessions = await gateway.client.request(op("MySessions"), {}, { token: other.accessToken });
  expect(sessions.data!.mySessions).toEqual([expect.objectContaining({ current: true })]);
});
