import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The folder holding package.json, walking up from `from` (this file's folder by default): the
 * same answer from src/ under ts-node and from dist/ once built, where migrations and the
 * playground's assets are found.
 */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
