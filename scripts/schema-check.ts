// `npm run schema:check`: fails when a file codegen.yml generates (the committed subgraph SDL in
// schema.graphql and the tests' typed documents) differs from what the code builds now, and shows
// the difference. It runs GraphQL Code Generator in memory, exactly as `npm run codegen` does, and
// writes nothing: regenerating is `npm run codegen`, on purpose a separate step.
//
//   --compare-to <dir>   compare with the files under <dir> instead of the working tree (tests)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generate, loadCodegenConfig } from "@graphql-codegen/cli";

const root = path.join(__dirname, "..");

interface Drift {
  file: string;
  diff: string;
}

function readableDiff(file: string, committed: string | undefined, built: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "schema-check-"));
  try {
    fs.writeFileSync(path.join(tmp, "a"), committed ?? "");
    fs.writeFileSync(path.join(tmp, "b"), built);
    const labels = ["--label", `${file} (committed)`, "--label", `${file} (built from the code)`];
    const run = spawnSync("diff", ["-u", ...labels, "a", "b"], { cwd: tmp, encoding: "utf8" });
    return run.stdout || `(diff unavailable: ${file} differs)`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function findDrift(compareTo = root): Promise<Drift[]> {
  const { config } = await loadCodegenConfig({ configFilePath: path.join(root, "codegen.yml") });
  const outputs = await generate({ ...config, cwd: root, silent: true }, false);
  const drift: Drift[] = [];
  for (const { filename, content } of outputs) {
    const file = path.relative(root, path.resolve(root, filename));
    const target = path.join(compareTo, file);
    const committed = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
    if (committed !== content) drift.push({ file, diff: readableDiff(file, committed, content) });
  }
  return drift;
}

if (require.main === module) {
  const flag = process.argv.indexOf("--compare-to");
  const compareTo = flag >= 0 ? path.resolve(process.argv[flag + 1] ?? ".") : root;
  findDrift(compareTo).then(
    (drift) => {
      if (drift.length === 0) {
        console.log("schema:check: schema.graphql and the typed documents match the code");
        return;
      }
      for (const { diff } of drift) console.error(diff);
      console.error(
        `schema:check: DRIFT in ${drift.map((d) => d.file).join(", ")}: the code builds something else.`,
      );
      console.error("Run `npm run codegen` and commit the result, so the change shows in review.");
      process.exitCode = 1;
    },
    (err: Error) => {
      console.error(`schema:check failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
