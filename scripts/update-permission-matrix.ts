// Rewrites the README's permission matrix from test/support/permission-matrix.ts, the table the
// permissions test checks the server against. Usage: npm run docs:matrix
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { matrixMarkdown } from "../test/support/permission-matrix";

const readmePath = path.join(__dirname, "..", "README.md");
const readme = readFileSync(readmePath, "utf8");
const block = /(<!-- permission-matrix:[^>]*-->\n)[\s\S]*?(\n<!-- \/permission-matrix -->)/;
if (!block.test(readme)) throw new Error("README.md has no permission-matrix block");
writeFileSync(readmePath, readme.replace(block, (_all, open, close) => `${open}${matrixMarkdown()}${close}`));
console.log("README.md permission matrix updated");
