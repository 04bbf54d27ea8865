// `npm run deps:check` (CI): the dependency rules of .dependency-cruiser.cjs, against the baseline
// of violations that exist today (deps-baseline.json). Fails on a violation the baseline does not
// list (a new folder cycle, a domain folder newly importing the transport layers) and on a
// baseline entry that no longer happens, so the baseline only shrinks. `--update` rewrites the
// baseline from what is found; `--list` prints the folder cycles and exits 0.
//
// Why not depcruise's own --ignore-known: its baselines hold file-level violations and an example
// cycle path (which changes whenever an unrelated import does), and it does not apply them to
// folder-scoped rules at all.
import fs from "node:fs";
import path from "node:path";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const BASELINE = "deps-baseline.json";
const mode = process.argv[2] ?? "--check";

const options = await extractDepcruiseOptions("./.dependency-cruiser.cjs");
const tsConfig = extractTSConfig(options.ruleSet.options?.tsConfig?.fileName ?? "tsconfig.json");
const { output } = await cruise(["src"], options, {}, { tsConfig });

/** src/auth/auth.service.ts → src/auth; a folder name stays as it is. */
const folderOf = (name) => (name.endsWith(".ts") || name.endsWith(".js") ? path.posix.dirname(name) : name);

/** Rule name → sorted, distinct "from → to" folder pairs. */
const found = Object.fromEntries(options.ruleSet.forbidden.map((rule) => [rule.name, new Set()]));
for (const violation of output.summary.violations) {
  found[violation.rule.name].add(`${folderOf(violation.from)} → ${folderOf(violation.to)}`);
}
const current = Object.fromEntries(Object.entries(found).map(([rule, pairs]) => [rule, [...pairs].sort()]));

function printCycles() {
  const edges = current["no-folder-cycle"] ?? [];
  const set = new Set(edges);
  const mutual = edges
    .map((pair) => pair.split(" → "))
    .filter(([from, to]) => from < to && set.has(`${to} → ${from}`))
    .map(([from, to]) => `${from} ↔ ${to}`);
  console.log(`Folder imports that lie on a cycle (${edges.length}):`);
  for (const edge of edges) console.log(`  ${edge}`);
  console.log(`Folders that import each other directly (${mutual.length}):`);
  for (const pair of mutual) console.log(`  ${pair}`);
  const transport = current["domain-not-to-transport"] ?? [];
  console.log(`Domain folders importing a transport layer (${transport.length}):`);
  for (const edge of transport) console.log(`  ${edge}`);
}

if (mode === "--list") {
  printCycles();
  process.exit(0);
}
if (mode === "--update") {
  fs.writeFileSync(BASELINE, `${JSON.stringify(current, null, 2)}\n`);
  printCycles();
  console.log(`\n${BASELINE} written.`);
  process.exit(0);
}

const baseline = JSON.parse(fs.readFileSync(BASELINE, "utf8"));
let failed = false;
for (const [rule, pairs] of Object.entries(current)) {
  const known = new Set(baseline[rule] ?? []);
  const added = pairs.filter((pair) => !known.has(pair));
  const gone = [...known].filter((pair) => !pairs.includes(pair));
  const comment = options.ruleSet.forbidden.find((r) => r.name === rule)?.comment ?? "";
  if (added.length > 0) {
    failed = true;
    console.error(`✗ ${rule}: new (${comment})`);
    for (const pair of added) console.error(`    ${pair}`);
  }
  if (gone.length > 0) {
    failed = true;
    console.error(
      `✗ ${rule}: listed in ${BASELINE} but gone (well done): run \`npm run deps:baseline\` to shrink it`,
    );
    for (const pair of gone) console.error(`    ${pair}`);
  }
}
if (failed) process.exit(1);
const total = Object.values(current).reduce((sum, pairs) => sum + pairs.length, 0);
console.log(
  `✓ dependency rules: nothing new (${total} known violations in ${BASELINE}; \`npm run deps:list\` shows them)`,
);
