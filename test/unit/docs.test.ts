// The README and the docs name files, settings, pages and headings; they must stay true.
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

/** Every file name under src/ (the git-ignored generated client aside): pages may name a module bare. */
function sourceFileNames(dir = path.join(ROOT, "src")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? entry.name === "generated"
        ? []
        : sourceFileNames(path.join(dir, entry.name))
      : [entry.name],
  );
}
const FOLDERS_PAGES_NAME_FILES_IN = [
  "",
  "src",
  "examples/react-app",
  "test/integration",
  "test/e2e",
  "test/unit",
  "test/support",
];

// docs/multi-factor.md is left out: it is the design of work not wired yet and names modules to come.
describe.each([
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md") && f !== "multi-factor.md")
    .map((f) => `docs/${f}`),
])("%s", (page) => {
  it("names only files that exist (in the repository, src/, the example or the tests)", () => {
    const bare = new Set(sourceFileNames());
    const missing = namedFiles(read(page)).filter(
      (file) =>
        !PRODUCED.has(file) &&
        !(bare.has(file) && !file.includes("/")) &&
        !FOLDERS_PAGES_NAME_FILES_IN.some((dir) => existsSync(path.join(ROOT, dir, file))),
    );
    expect(missing).toEqual([]);
  });
});

describe("docs/federation.md shows the router configurations the tests run", () => {
  const page = read("docs/federation.md");

  it("Hive Gateway: the same subscription settings as gateway.config.ts", () => {
    expect(page).toContain(`location: "${subscriptionsViaConnectionInit.location}"`);
    expect(page).toContain(
      `connectionParams: { authorization: "${subscriptionsViaConnectionInit.options.connectionParams.authorization}" }`,
    );
    expect(page).toContain(
      `headers: ${JSON.stringify(subscriptionsViaUpgradeHeader.headers)}`.replace(/","/g, '", "'),
    );
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

/** Markdown outside fenced code blocks: links and headings in code are not links or headings. */
function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .filter((line) => {
      if (line.startsWith("```")) fenced = !fenced;
      return !fenced && !line.startsWith("```");
    })
    .join("\n");
}

/** A heading's anchors as GitHub renders them: repeated headings get -1, -2... */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

const docsPages = readdirSync(path.join(ROOT, "docs"))
  .filter((file) => file.endsWith(".md"))
  .map((file) => `docs/${file}`);

describe("the README and docs/", () => {
  it("the README links every docs page", () => {
    const readme = read("README.md");
    expect(docsPages.filter((page) => !new RegExp(`\\(${page}(#[^)]*)?\\)`).test(readme))).toEqual([]);
  });

  it("every relative link resolves: the file exists, and the heading when it names one", () => {
    const broken: string[] = [];
    for (const page of ["README.md", ...docsPages]) {
      for (const [, target] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [file, anchor] = target!.split("#") as [string, string | undefined];
        const resolved =
          file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
        if (!existsSync(path.join(ROOT, resolved))) broken.push(`${page}: ${target} (no ${resolved})`);
        else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor)) {
          broken.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("the README keeps one marked test command, the one CI runs last", () => {
    const marked = /<!-- test-command -->\n```bash\n([^\n]+)\n```\n<!-- \/test-command -->/.exec(
      read("README.md"),
    );
    expect(marked?.[1]).toBe("npm test");
    expect(read(".ci/run").trimEnd().split("\n").pop()).toBe(marked?.[1]);
  });

  it("stays short: a newcomer's page of at most 150 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(150);
  });
});

describe("docs/contributing.md's project layout", () => {
  const page = read("docs/contributing.md");
  const section = page.slice(page.indexOf("## Project layout"));
  const block = /```\nsrc\/\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  /** `main.ts`, `config/`, `server/plugins/`: the names at the block's first indent. */
  const listed = [...block.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
  const ignored = new Set(["generated"]); // the Prisma client, generated and git-ignored

  function folders(dir: string): string[] {
    return readdirSync(path.join(ROOT, "src", dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !ignored.has(path.posix.join(dir, entry.name)))
      .flatMap((entry) => {
        const folder = path.posix.join(dir, entry.name);
        return [`${folder}/`, ...folders(folder)];
      });
  }

  it("is there", () => {
    expect(listed.length).toBeGreaterThan(10);
  });

  it("lists every folder of src/", () => {
    expect(folders("").filter((folder) => !listed.includes(folder))).toEqual([]);
  });

  it("lists nothing that does not exist", () => {
    expect(listed.filter((entry) => !existsSync(path.join(ROOT, "src", entry)))).toEqual([]);
  });
});
