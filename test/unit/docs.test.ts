// The frontend and federation guides name files and settings; they must stay true.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import {
  gatewayConfig,
  subscriptionsViaConnectionInit,
  subscriptionsViaUpgradeHeader,
} from "../../examples/routers/hive-gateway/gateway.config";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
/** Files the pages tell readers to produce, not files of this repository. */
const PRODUCED = new Set(["supergraph.graphql"]);

/** Backticked paths of files (with a known extension) a page names. */
function namedFiles(markdown: string): string[] {
  return [...markdown.matchAll(/`([\w./-]+\.(?:ts|tsx|yaml|yml|graphql|md))`/g)].map((m) => m[1]!);
}

describe.each(["docs/frontend.md", "docs/federation.md"])("%s", (page) => {
  it("names only files that exist (in the repository, the example or the tests)", () => {
    const missing = namedFiles(read(page)).filter(
      (file) =>
        !PRODUCED.has(file) &&
        !["", "examples/react-app", "test/integration", "test/e2e"].some((dir) =>
          existsSync(path.join(ROOT, dir, file)),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("is linked from the README", () => {
    expect(read("README.md")).toContain(`(${page})`);
  });
});

describe("docs/federation.md shows the router configurations the tests run", () => {
  const page = read("docs/federation.md");

  it("Hive Gateway: the same subscription settings as gateway.config.ts", () => {
    expect(page).toContain(`location: "${subscriptionsViaConnectionInit.location}"`);
    expect(page).toContain(
      `connectionParams: { authorization: "${subscriptionsViaConnectionInit.options.connectionParams.authorization}" }`,
    );
    expect(page).toContain(`headers: ${JSON.stringify(subscriptionsViaUpgradeHeader.headers)}`.replace(/","/g, '", "'));
    expect(Object.keys(gatewayConfig.transportEntries)).toEqual(["identity"]);
  });

  it("Apollo Router: router.yaml propagates the token and sends subscriptions over graphql-ws to /graphql", () => {
    const router = parseYaml(read("examples/routers/apollo-router/router.yaml"));
    expect(router.headers.all.request).toEqual(
      expect.arrayContaining([{ propagate: { named: "authorization" } }]),
    );
    expect(router.subscription.mode.passthrough.subgraphs.identity).toEqual({
      path: "/graphql",
      protocol: "graphql_ws",
    });
    expect(page).toContain("protocol: graphql_ws");
  });
});
