// Rewrites the permission matrix of docs/api.md from test/support/permission-matrix.ts, the table
// the permissions test checks the server against. Usage: npm run docs:matrix
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { matrixMarkdown } from "../test/support/permission-matrix";

const pagePath = path.join(__dirname, "..", "docs", "api.md");
const page = readFileSync(pagePath, "utf8");
const block = /(<!-- permission-matrix:[^>]*-->\n)[\s\S]*?(\n<!-- \/permission-matrix -->)/;
if (!block.test(page)) throw new Error("docs/api.md has no permission-matrix block");
writeFileSync(
  pagePath,
  page.replace(block, (_all, open, close) => `${open}${matrixMarkdown()}${close}`),
);
console.log("docs/api.md permission matrix updated");
