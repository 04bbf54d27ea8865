/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser: they see the DOM.
import type { Page } from "playwright-core";
import { screenshot } from "./browser";

/**
 * The playground as an admin uses it, for browser tests: tabs, the variables and headers
 * editors, the run button, the response pane and the sign-in bar. GraphiQL's editors are
 * CodeMirror 5 instances, reachable from their DOM element; their content is set through that
 * API rather than typed key by key (auto-closing brackets make typed JSON unreliable).
 */
export class GraphiQLPage {
  private step = 0;

  constructor(
    readonly page: Page,
    private readonly artifacts: string,
  ) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator(".graphiql-container").waitFor();
    await this.page.locator(".graphiql-query-editor .CodeMirror").waitFor();
  }

  /** Saves a numbered screenshot of the current state. */
  shot(name: string): Promise<string> {
    this.step += 1;
    return screenshot(this.page, this.artifacts, `${String(this.step).padStart(2, "0")}-${name}`);
  }

  /** Opens an example from the Examples panel in a new tab and waits for its query. */
  async openExample(title: string, expected: string): Promise<void> {
    if (!(await this.page.locator(".playground-examples").isVisible())) {
      await this.page.getByRole("button", { name: "Show Examples" }).click();
    }
    await this.page.locator(".playground-examples").getByRole("button", { name: title, exact: true }).click();
    await this.page.waitForFunction(
      (text) =>
        (
          document.querySelector(".graphiql-query-editor .CodeMirror") as unknown as {
            CodeMirror: { getValue(): string };
          }
        ).CodeMirror.getValue().includes(text),
      expected,
    );
  }

  /** Shows a sidebar plugin panel (Examples, Users, Live events, Audit log) and returns it. */
  async showPanel(title: string) {
    const panel = this.page.locator(`.playground-panel[aria-label="${title}"]`);
    if (!(await panel.isVisible())) await this.page.getByRole("button", { name: `Show ${title}` }).click();
    await panel.waitFor();
    return panel;
  }

  /**
   * Controls in `selector` that do not fit: cut off by the window's right edge, squeezed to
   * nothing, or whose label overflows them, and tables wider than their panel. Empty at a size
   * the panels support.
   */
  cutOffControls(selector: string): Promise<string[]> {
    return this.page.evaluate((sel) => {
      const root = document.querySelector(sel);
      if (!root) throw new Error(`nothing at ${sel}`);
      return Array.from(root.querySelectorAll("button, select, input"))
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          const box = el.getBoundingClientRect();
          // An input's value may scroll inside it; a button's or a select's label may not be cut.
          const clipped = el.tagName !== "INPUT" && el.scrollWidth > el.clientWidth + 1;
          return box.right > window.innerWidth + 1 || box.width < 8 || clipped;
        })
        .map((el) => `${el.tagName} ${(el as HTMLElement).innerText || el.getAttribute("aria-label") || ""}`)
        .concat(
          // A table wider than its panel hides columns behind a scroll bar.
          Array.from(root.querySelectorAll(".playground-table-wrap"))
            .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
            .map(
              (wrap) =>
                `TABLE ${wrap.querySelector("table")?.getAttribute("aria-label") ?? ""} wider than the panel`,
            ),
        );
    }, selector);
  }

  tabTitles(): Promise<string[]> {
    return this.page
      .locator(".graphiql-tab")
      .allInnerTexts()
      .then((t) => t.map((s) => s.trim()));
  }

  async selectTab(title: string): Promise<void> {
    await this.page.locator(".graphiql-tab", { hasText: title }).first().click();
  }

  private setEditor(selector: string, value: string): Promise<void> {
    return this.page.evaluate(
      ([sel, text]) => {
        const element = document.querySelector(sel!) as
          | (Element & { CodeMirror?: { setValue(v: string): void } })
          | null;
        if (!element?.CodeMirror) throw new Error(`no editor at ${sel}`);
        element.CodeMirror.setValue(text!);
      },
      [selector, value],
    );
  }

  private getEditor(selector: string): Promise<string> {
    return this.page.evaluate((sel) => {
      const element = document.querySelector(sel) as
        | (Element & { CodeMirror?: { getValue(): string } })
        | null;
      return element?.CodeMirror?.getValue() ?? "";
    }, selector);
  }

  query(): Promise<string> {
    return this.getEditor(".graphiql-query-editor .CodeMirror");
  }

  variables(): Promise<string> {
    return this.getEditor(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
  }

  async setVariables(variables: unknown): Promise<void> {
    await this.page.locator(".graphiql-editor-tools [data-name=variables]").click();
    await this.setEditor(
      ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
      JSON.stringify(variables, null, 2),
    );
  }

  async setHeaders(headers: Record<string, string>): Promise<void> {
    await this.page.locator(".graphiql-editor-tools [data-name=headers]").click();
    await this.setEditor(
      ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
      JSON.stringify(headers, null, 2),
    );
  }

  response(): Promise<string> {
    return this.getEditor(".result-window .CodeMirror");
  }

  /** Runs the active tab's operation and waits until the response pane satisfies `until`. */
  async run(until: (response: string) => boolean = (r) => r.trim().length > 0): Promise<string> {
    const before = await this.response();
    await this.page.locator(".graphiql-execute-button").click();
    return this.waitForResponse((r) => r !== before && until(r));
  }

  async waitForResponse(until: (response: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.response();
      if (until(current)) return current;
      if (Date.now() > deadline) throw new Error(`response pane never matched; it shows:\n${current}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** Signs in with the bar's form (a real password field, outside GraphiQL's editors). */
  async signIn(email: string, password: string): Promise<void> {
    const form = this.page.locator("#playground-sign-in");
    await form.getByLabel("E-mail").fill(email);
    await form.getByLabel("Password").fill(password);
    await form.getByRole("button", { name: "Sign in" }).click();
    await this.page.locator("#playground-session[data-state=signed-in]").waitFor();
  }

  async signOut(): Promise<void> {
    await this.page.locator("#playground-bar").getByRole("button", { name: "Sign out" }).click();
    await this.page.locator("#playground-session:not([data-state=signed-in])").waitFor();
  }

  /** Changes the signed-in user's password with the bar's form; returns the bar's message. */
  async changePassword(current: string, next: string): Promise<string> {
    const bar = this.page.locator("#playground-bar");
    await bar.getByRole("button", { name: "Change password" }).click();
    const form = this.page.locator("#playground-change-password");
    await form.getByLabel("Current password").fill(current);
    await form.getByLabel("New password").fill(next);
    await form.getByRole("button", { name: "Change" }).click();
    await form.waitFor({ state: "detached" });
    return bar.locator(".playground-bar-message").innerText();
  }

  /** Everything the page's origin keeps in localStorage and sessionStorage, as one text. */
  storedText(): Promise<string> {
    return this.page.evaluate(() => {
      const dump = (storage: Storage) =>
        Array.from({ length: storage.length }, (_, i) => storage.key(i)!).map(
          (key) => `${key}=${storage.getItem(key)}`,
        );
      return [...dump(window.localStorage), ...dump(window.sessionStorage)].join("\n");
    });
  }

  /** The tokens the playground holds in memory (only a test looks at them). */
  heldTokens(): Promise<{ accessToken: string; refreshToken: string } | null> {
    return this.page.evaluate(() => {
      const current = (
        window as unknown as {
          Playground: { session: { current: { accessToken: string; refreshToken: string } | null } };
        }
      ).Playground.session.current;
      return current && { accessToken: current.accessToken, refreshToken: current.refreshToken };
    });
  }

  /** The sign-in bar's text and state (signed-in, signed-out, signed-out-note). */
  async session(): Promise<{ text: string; state: string }> {
    const bar = this.page.locator("#playground-session");
    return { text: (await bar.innerText()).trim(), state: (await bar.getAttribute("data-state")) ?? "" };
  }
}
