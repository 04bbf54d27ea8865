// `npm start`'s prestart: builds (npm run build: Prisma client, tsc, playground assets) only when
// something the build reads changed since the last build, so a restart with nothing changed
// starts at once. The build's inputs are fingerprinted (their contents, not their dates, so a
// branch switch and back rebuilds at most once) into dist/.build-fingerprint. `npm run build`
// always builds. Plain CommonJS: it runs before anything is compiled, without ts-node's start-up.
const { createHash } = require("node:crypto");
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/** Files and folders whose contents the build reads (relative to the project root). */
const INPUTS = [
  "src",
  "prisma/schema.prisma",
  "prisma.config.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "scripts/build-playground.ts",
];
/** Build outputs inside the inputs. */
const SKIP = new Set(["src/generated"]);
const STAMP = path.join("dist", ".build-fingerprint");

function files(root, relative) {
  if (SKIP.has(relative)) return [];
  const full = path.join(root, relative);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [relative];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => files(root, path.posix.join(relative, name)));
}

/** A hash of every input's path and contents, and of the Node version that builds. */
function buildFingerprint(root) {
  const hash = createHash("sha256").update(`node ${process.version}\n`);
  for (const file of INPUTS.flatMap((input) => files(root, input))) {
    hash
      .update(`${file}\n`)
      .update(fs.readFileSync(path.join(root, file)))
      .update("\n");
  }
  return hash.digest("hex");
}

/** Whether dist/ was built from the inputs as they are now. */
function isBuildCurrent(root) {
  const stamp = path.join(root, STAMP);
  if (!fs.existsSync(path.join(root, "dist", "main.js")) || !fs.existsSync(stamp)) return false;
  return fs.readFileSync(stamp, "utf8").trim() === buildFingerprint(root);
}

function recordBuild(root, fingerprint) {
  fs.writeFileSync(path.join(root, STAMP), `${fingerprint}\n`);
}

if (require.main === module) {
  const root = path.join(__dirname, "..");
  if (isBuildCurrent(root)) {
    console.log("build is current (nothing it reads changed); npm run build forces one");
  } else {
    const fingerprint = buildFingerprint(root);
    const result = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
    if (result.status !== 0) process.exit(result.status ?? 1);
    recordBuild(root, fingerprint);
  }
}

module.exports = { INPUTS, buildFingerprint, isBuildCurrent, recordBuild };
