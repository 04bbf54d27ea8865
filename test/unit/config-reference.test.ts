import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { CONFIG_VARIABLES, loadConfig } from "../../src/config";
import { DEVELOPMENT_DEFAULTS } from "../../src/config/development";
import { schema } from "../../src/config/variables";
import {
  BLOCK,
  documentedVariables,
  ENV_EXAMPLE,
  envExample,
  REFERENCE_PAGE,
  referenceMarkdown,
} from "../../scripts/config-reference";

// The configuration reference in docs/configuration.md and .env.example are generated from the
// variables' descriptions (npm run docs:config): these fail while either is out of date.
const page = readFileSync(REFERENCE_PAGE, "utf8");
const ROOT = path.join(__dirname, "..", "..");
/** The README and every docs page: a variable documented anywhere else would drift. */
const allPages = [
  path.join(ROOT, "README.md"),
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join(ROOT, "docs", file)),
].map((file) => readFileSync(file, "utf8"));
const stale = (file: string) => `${file} is out of date: run npm run docs:config and commit the result`;

describe("the configuration reference", () => {
  it("documents every variable the gateway reads, each with a description", () => {
    const documented = documentedVariables();
    expect(documented.map((v) => v.name).sort()).toEqual([...CONFIG_VARIABLES].sort());
    for (const variable of documented) expect(variable.description.length).toBeGreaterThan(10);
  });

  it("is in docs/configuration.md as generated", () => {
    const block = BLOCK.exec(page);
    expect(block).not.toBeNull();
    const committed = page.slice(
      block!.index + block![1]!.length,
      block!.index + block![0].length - block![2]!.length,
    );
    if (committed !== referenceMarkdown())
      throw new Error(stale("docs/configuration.md's configuration reference"));
  });

  it("names each variable in exactly one row of the docs' variable tables, inside the reference", () => {
    // Rows of every table whose first column is "Variable", anywhere in the README or docs/.
    const rows: string[] = [];
    let variableTable = false;
    for (const line of allPages.join("\n").split("\n")) {
      if (!line.startsWith("|")) variableTable = false;
      else if (/^\|\s*Variable\s*\|/.test(line)) variableTable = true;
      else if (variableTable && line.startsWith("| `")) rows.push(line);
    }
    for (const name of CONFIG_VARIABLES) {
      const naming = rows.filter((row) => row.split("|")[1]!.split(/[ /]+/).includes(`\`${name}\``));
      expect({ name, rows: naming.length }).toEqual({ name, rows: 1 });
    }
  });

  it("shows each default as the gateway applies it", () => {
    for (const [name, variable] of Object.entries(schema.shape)) {
      const shown = variable.meta()?.default;
      if (shown === undefined) continue;
      expect({ name, shown: variable.parse(shown) }).toEqual({ name, shown: variable.parse(undefined) });
    }
  });

  it("has development defaults that are valid values, differ from the defaults, and show", () => {
    for (const [name, value] of Object.entries(DEVELOPMENT_DEFAULTS)) {
      const variable = schema.shape[name as keyof typeof schema.shape];
      expect({ name, known: variable !== undefined }).toEqual({ name, known: true });
      expect(() => variable.parse(value)).not.toThrow();
      expect({ name, same: value === variable.meta()?.default }).toEqual({ name, same: false });
      expect(referenceMarkdown()).toContain(`| \`${name}\` | ${"`"}`);
      expect(referenceMarkdown()).toContain(`development: \`${value}\``);
    }
  });
});

describe(".env.example", () => {
  const text = readFileSync(ENV_EXAMPLE, "utf8");
  const assignments = text
    .split("\n")
    .map((line) => /^#?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);

  it("is as generated", () => {
    if (text !== envExample()) throw new Error(stale(".env.example"));
  });

  it("lists every variable once, commented out, so copying it pins nothing", () => {
    expect(assignments.map((m) => m[1]).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(text.split("\n").filter((line) => /^[A-Z]/.test(line))).toEqual([]);
  });

  it("is a valid configuration with every line uncommented", () => {
    const env = Object.fromEntries(assignments.map((m) => [m[1]!, m[2]!]));
    expect(() => loadConfig(env)).not.toThrow();
  });
});
