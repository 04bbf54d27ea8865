/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser: they see the DOM.
import type { Browser, Page } from "playwright-core";
import { permissionTable } from "../../src/authz/permissions";
import { chromiumInstalled, clearArtifacts, launchBrowser } from "../support/browser";
import { login } from "../support/factories";
import { GraphQLClient } from "../support/graphql-client";
import { GraphiQLPage } from "../support/graphiql-page";
import { seedUser } from "../support/seed";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * An admin in a real browser (Debian's Chromium): opens the playground, logs in with the Log in
 * example, and works with the token the playground keeps. Screenshots of every step are saved in
 * test-artifacts/playground/. Steps for fields other modules add run once those fields exist.
 */

// Root fields by type, from the permission table (which lists every one the schema serves).
const rootFields = permissionTable as unknown as Record<string, Record<string, unknown> | undefined>;
const hasField = (type: string, field: string) => Boolean(rootFields[type]?.[field]);
const whenField = (type: string, field: string) => (hasField(type, field) ? it : it.skip);

if (!chromiumInstalled()) {
  throw new Error("Chromium is missing: apt-get install -y chromium (.ci/run installs it)");
}

describe("the playground in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let playground: GraphiQLPage;
  let admin: Awaited<ReturnType<typeof seedUser>>;
  const cspViolations: string[] = [];
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await seedUser(server.container, { role: "ADMIN", name: "Ada Admin" });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        const recorded = window as unknown as { cspViolations?: string[] };
        recorded.cspViolations ??= [];
        recorded.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    page.on("request", (request) => requests.push(request.url()));
    page.on("pageerror", (error) => pageErrors.push(error.message));
    clearArtifacts("playground");
    playground = new GraphiQLPage(page, "playground");
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  afterEach(async () => {
    const found = await page.evaluate(
      () => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [],
    );
    cspViolations.push(...found);
  });

  it("opens from the gateway's own assets, with the examples as tabs and nothing blocked", async () => {
    await playground.open(server.graphqlUrl);
    expect(await playground.tabTitles()).toEqual(expect.arrayContaining(["LogIn", "WhoAmI", "LogOut"]));
    expect(await playground.query()).toContain("mutation LogIn");
    expect(JSON.parse(await playground.variables())).toEqual({
      input: { email: "admin@example.com", password: "" },
    });
    expect((await playground.session()).state).toBe("signed-out");
    await page.getByRole("button", { name: "Who am I" }).waitFor();
    await playground.shot("opened");

    expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith("data:"))).toEqual([]);
    const assetRequests = requests.filter((url) => url.includes("/playground/"));
    expect(assetRequests.length).toBeGreaterThanOrEqual(6);
    expect(pageErrors).toEqual([]);
  });

  it("runs login for an admin, keeps the token and shows who is signed in", async () => {
    await playground.selectTab("LogIn");
    await playground.setVariables({ input: { email: admin.email, password: admin.password } });
    const response = JSON.parse(await playground.run((r) => r.includes("login") || r.includes("errors")));
    expect(response.errors).toBeUndefined();
    expect(response.data.login.user).toMatchObject({ email: admin.email, role: "ADMIN" });

    const session = await playground.session();
    expect(session.state).toBe("signed-in");
    expect(session.text).toContain(`Signed in as ${admin.email} (ADMIN)`);
    await playground.shot("logged-in");
  });

  it("sends the token with the next request: me answers for the admin", async () => {
    await playground.selectTab("WhoAmI");
    expect(await playground.query()).toContain("query WhoAmI");
    const response = JSON.parse(await playground.run((r) => r.includes('"me"') || r.includes("errors")));
    expect(response.errors).toBeUndefined();
    expect(response.data.me).toMatchObject({ email: admin.email, role: "ADMIN", isActive: true });
    await playground.shot("me");
  });

  it("lets a tab's own Authorization header win over the kept token", async () => {
    const other = await login(new GraphQLClient(server.graphqlUrl), (await seedUser(server.container)).email);
    await playground.setHeaders({ Authorization: `Bearer ${other.accessToken}` });
    const response = JSON.parse(await playground.run((r) => r.includes('"me"') || r.includes("errors")));
    expect(response.data.me.email).toBe(other.user.email);
    expect(response.data.me.role).toBe("USER");
    await playground.shot("own-header");
    await playground.setHeaders({});
  });

  it("opens an example in a new tab with one click in the Examples panel", async () => {
    const before = await playground.tabTitles();
    await page.getByRole("button", { name: "Who am I" }).click();
    await page.waitForFunction((count) => document.querySelectorAll(".graphiql-tab").length > count, before.length);
    await page.waitForFunction(() =>
      (document.querySelector(".graphiql-query-editor .CodeMirror") as unknown as { CodeMirror: { getValue(): string } })
        .CodeMirror.getValue()
        .includes("query WhoAmI"),
    );
    expect(await playground.tabTitles()).toHaveLength(before.length + 1);
    await playground.shot("example-opened");
    await page.locator(".graphiql-tab-active .graphiql-tab-close").click();
  });

  it("shows the schema docs", async () => {
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs.getByText("Root Types").waitFor();
    await docs.getByRole("link", { name: "Mutation" }).click();
    await docs.getByText("login").first().waitFor();
    await playground.shot("docs");
  });

  whenField("Query", "users")("lists users with the admin's token", async () => {
    await playground.selectTab("ListUsers");
    await playground.setVariables({ filter: { search: admin.email }, first: 5 });
    const response = JSON.parse(await playground.run((r) => r.includes("users") || r.includes("errors")));
    expect(response.errors).toBeUndefined();
    expect(response.data.users.edges.map((e: { node: { email: string } }) => e.node.email)).toContain(
      admin.email,
    );
    await playground.shot("users");
  });

  whenField("Subscription", "userSessionEvents")(
    "watches session events and sees another client's login arrive",
    async () => {
      await playground.selectTab("WatchSessionEvents");
      await playground.setVariables({ userId: null });
      await page.locator(".graphiql-execute-button").click();
      // The subscription is open once the run button turns into a stop button.
      await page.locator(".graphiql-execute-button[aria-label*='Stop']").waitFor();
      // The button turns before the gateway has registered the subscription: a sign-in in that
      // gap is (rightly) not delivered, so sign in again until one arrives.
      const someone = await seedUser(server.container);
      const client = new GraphQLClient(server.graphqlUrl);
      let response = "";
      for (let attempt = 0; attempt < 10 && !response; attempt += 1) {
        await login(client, someone.email);
        response = await playground.waitForResponse((r) => r.includes(someone.id), 3_000).catch(() => "");
      }
      expect(response).toContain("SESSION_CREATED");
      await playground.shot("session-events");
      await page.locator(".graphiql-execute-button").click(); // stop
    },
    60_000,
  );

  it("forgets the token on logout", async () => {
    await playground.selectTab("LogOut");
    const response = JSON.parse(await playground.run((r) => r.includes("logout") || r.includes("errors")));
    expect(response.data).toEqual({ logout: true });
    expect(await playground.session()).toMatchObject({ state: "signed-out-note" });
    expect((await playground.session()).text).toContain("Logged out.");

    await playground.selectTab("WhoAmI");
    const after = JSON.parse(await playground.run((r) => r.includes("errors")));
    expect(after.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    await playground.shot("logged-out");
  });

  it("ran under its Content-Security-Policy without a violation", () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
