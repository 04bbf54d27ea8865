// `npm run docs:config`: writes the configuration reference of docs/configuration.md (between its
// config-reference markers) and `.env.example` from the variables' descriptions in
// src/config/variables.ts. test/unit/config-reference.test.ts fails while either differs.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEVELOPMENT_DEFAULTS } from "../src/config/development";
import type { VariableDoc } from "../src/config/values";
import { SECTIONS } from "../src/config/variables";

const ROOT = path.join(__dirname, "..");
export const REFERENCE_PAGE = path.join(ROOT, "docs", "configuration.md");
export const ENV_EXAMPLE = path.join(ROOT, ".env.example");

export const BLOCK = /(<!-- config-reference:[^>]*-->\n)[\s\S]*?(\n<!-- \/config-reference -->)/;

export interface DocumentedVariable extends VariableDoc {
  name: string;
  section: string;
}

/** Every variable with its documentation, section by section. */
export function documentedVariables(): DocumentedVariable[] {
  return SECTIONS.flatMap(({ title, variables }) =>
    Object.entries(variables).map(([name, schema]) => {
      const meta = (schema.meta() ?? {}) as Partial<VariableDoc>;
      if (!meta.description) throw new Error(`${name} has no description in src/config/variables.ts`);
      return { ...meta, name, section: title, description: meta.description };
    }),
  );
}

const code = (value: string) => `\`${value}\``;

/** The "Default" cell: the default, then development's and production's where they differ. */
function defaultCell(variable: DocumentedVariable): string {
  const parts = [variable.defaultText ?? (variable.default !== undefined ? code(variable.default) : "unset")];
  const development = DEVELOPMENT_DEFAULTS[variable.name];
  if (development !== undefined) parts.push(`development: ${code(development)}`);
  else if (variable.developmentText) parts.push(`development: ${variable.developmentText}`);
  if (variable.production === "required") parts.push("production: **required**");
  else if (variable.production) parts.push(`production: ${variable.production}`);
  return parts.join("; ");
}

/** The reference of docs/configuration.md: one table per section. */
export function referenceMarkdown(): string {
  const variables = documentedVariables();
  return SECTIONS.map(({ title }) => {
    const rows = variables
      .filter((variable) => variable.section === title)
      .map((v) => `| ${code(v.name)} | ${defaultCell(v)} | ${v.description.replace(/\|/g, "\\|")} |`);
    // Bold labels, not headings: "Rate limits" and "Events (Kafka)" are sections of other pages
    // already, and the page's own headings stay few.
    return [`**${title}**`, "", "| Variable | Default | Meaning |", "|---|---|---|", ...rows].join("\n");
  }).join("\n\n");
}

/** Words wrapped into `# ` comment lines of at most `width` characters. */
function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = "#";
  for (const word of text.replace(/`/g, "").split(/\s+/)) {
    if (line.length + word.length + 1 > width && line !== "#") {
      lines.push(line);
      line = "#";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** `.env.example`: every variable commented out at its default (or an example), described. */
export function envExample(): string {
  const out = [
    "# Every variable the gateway reads, generated from src/config/variables.ts (npm run docs:config).",
    "# Copy it to .env and uncomment what you change: npm start, npm run dev, admin:create and",
    "# db:migrate read .env (ENV_FILE names another), the environment wins over it, and a line left",
    "# commented keeps the default, development defaults included. Never commit .env.",
  ];
  const variables = documentedVariables();
  for (const { title } of SECTIONS) {
    out.push("", `# --- ${title} ---`);
    for (const variable of variables.filter((v) => v.section === title)) {
      const development = DEVELOPMENT_DEFAULTS[variable.name] ?? variable.developmentText;
      const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
      const notes = [sentence(variable.description.replace(/\[([^\]]+)\]\([^)]*\)/g, "$1"))];
      if (variable.defaultText) notes.push(`Default: ${variable.defaultText}.`);
      if (development !== undefined) notes.push(`Development default: ${development}.`);
      if (variable.production) notes.push(`Production: ${variable.production}.`);
      out.push(...comment(notes.join(" ")));
      out.push(`#${variable.name}=${variable.default ?? variable.example ?? ""}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** Writes both files; returns the ones that changed. */
export function writeConfigReference(): string[] {
  const changed: string[] = [];
  const page = readFileSync(REFERENCE_PAGE, "utf8");
  if (!BLOCK.test(page)) throw new Error("docs/configuration.md has no config-reference block");
  const next = page.replace(
    BLOCK,
    (_all, open: string, close: string) => `${open}${referenceMarkdown()}${close}`,
  );
  if (next !== page) {
    writeFileSync(REFERENCE_PAGE, next);
    changed.push("docs/configuration.md");
  }
  const example = envExample();
  if (readFileSync(ENV_EXAMPLE, "utf8") !== example) {
    writeFileSync(ENV_EXAMPLE, example);
    changed.push(".env.example");
  }
  return changed;
}

if (require.main === module) {
  const changed = writeConfigReference();
  console.log(changed.length ? `updated ${changed.join(" and ")}` : "configuration reference is up to date");
}
