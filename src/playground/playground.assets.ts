import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../core/project-root";

/**
 * The playground's static files, copied from the graphiql, react and react-dom packages (and
 * src/playground/browser) into dist/public/playground by `npm run playground:build`, which `build`,
 * `dev` and `test` run first. Served from the gateway itself: no CDN, so it works offline and
 * under a strict Content-Security-Policy.
 */
/** Our own page scripts (src/playground/browser), in load order: shared pieces first, main last. */
export const OWN_SCRIPTS = [
  "playground-core.js",
  "playground-session.js",
  "playground-ui.js",
  "playground-users.js",
  "playground-user-detail.js",
  "playground-events.js",
  "playground-audit.js",
  "playground.js",
] as const;

export const PLAYGROUND_ASSETS = {
  scripts: ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", ...OWN_SCRIPTS],
  styles: ["graphiql.min.css", "playground.css"],
} as const;

export interface PlaygroundAssets {
  dir: string;
  /** Subresource Integrity value (`sha384-…`) of each file, from the manifest. */
  integrity: Record<string, string>;
}

export interface PlaygroundManifest {
  versions: Record<string, string>;
  files: Record<string, { integrity: string }>;
}

export function defaultAssetsDir(): string {
  return path.join(projectRoot(), "dist", "public", "playground");
}

/** The built assets, or undefined when they have not been built (or are incomplete). */
export function loadPlaygroundAssets(dir = defaultAssetsDir()): PlaygroundAssets | undefined {
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as PlaygroundManifest;
  const names = [...PLAYGROUND_ASSETS.scripts, ...PLAYGROUND_ASSETS.styles];
  if (!names.every((name) => manifest.files[name] && fs.existsSync(path.join(dir, name)))) {
    return undefined;
  }
  return {
    dir,
    integrity: Object.fromEntries(names.map((name) => [name, manifest.files[name]!.integrity])),
  };
}
