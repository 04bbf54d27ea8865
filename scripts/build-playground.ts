// `npm run playground:build`: copies GraphiQL's browser build (graphiql 3 ships one, bundled with
// its graphql-ws client) with the React 18 UMD files it runs on, and our own page script and
// styles, into dist/public/playground with a manifest of their Subresource Integrity hashes. No
// bundler: the gateway serves these files as they are (src/playground/playground.router.ts).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../src/core/project-root";
import { defaultAssetsDir, OWN_SCRIPTS, type PlaygroundManifest } from "../src/playground/playground.assets";

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
const versionOf = (name: string) =>
  (JSON.parse(fs.readFileSync(path.join(packageDir(name), "package.json"), "utf8")) as { version: string })
    .version;

function sources(root: string): Record<string, string> {
  return {
    "react.production.min.js": path.join(packageDir("react"), "umd", "react.production.min.js"),
    "react-dom.production.min.js": path.join(packageDir("react-dom"), "umd", "react-dom.production.min.js"),
    "graphiql.min.js": path.join(packageDir("graphiql"), "graphiql.min.js"),
    "graphiql.min.css": path.join(packageDir("graphiql"), "graphiql.min.css"),
    ...Object.fromEntries(
      OWN_SCRIPTS.map((name) => [name, path.join(root, "src", "playground", "browser", name)]),
    ),
    "playground.css": path.join(root, "src", "playground", "browser", "playground.css"),
  };
}

/** Writes the assets and their manifest into `out` (by default dist/public/playground). */
export function buildPlaygroundAssets(out = defaultAssetsDir()): PlaygroundManifest {
  const root = projectRoot();
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const manifest: PlaygroundManifest = {
    versions: Object.fromEntries(["graphiql", "react", "react-dom"].map((name) => [name, versionOf(name)])),
    files: {},
  };
  for (const [name, source] of Object.entries(sources(root))) {
    let content = fs.readFileSync(source);
    // The source map named at the end of graphiql.min.js is not shipped: drop the reference so
    // browsers do not ask for it.
    if (name === "graphiql.min.js") {
      content = Buffer.from(content.toString("utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"));
    }
    fs.writeFileSync(path.join(out, name), content);
    manifest.files[name] = { integrity: `sha384-${createHash("sha384").update(content).digest("base64")}` };
  }
  fs.writeFileSync(path.join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (require.main === module) {
  const manifest = buildPlaygroundAssets();
  console.log(`playground assets (graphiql ${manifest.versions.graphiql}) in ${defaultAssetsDir()}`);
}
