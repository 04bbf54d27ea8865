import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

// npm start's prestart: it builds only when something the build reads changed.
const { buildFingerprint, isBuildCurrent, recordBuild } = require("../../scripts/build-if-stale.js") as {
  buildFingerprint(root: string): string;
  isBuildCurrent(root: string): boolean;
  recordBuild(root: string, fingerprint: string): void;
};
const packageJson = require("../../package.json") as { scripts: Record<string, string> };

describe("build-if-stale", () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "aegis-build-"));
    write("src/main.ts", "main");
    write("package.json", "{}");
    write("dist/main.js", "built");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is npm start's prestart", () => {
    expect(packageJson.scripts.prestart).toBe("node scripts/build-if-stale.js");
  });

  it("calls a build current only after one was recorded for these very inputs", () => {
    expect(isBuildCurrent(root)).toBe(false);
    recordBuild(root, buildFingerprint(root));
    expect(isBuildCurrent(root)).toBe(true);
  });

  it("sees a changed, added or removed input, and ignores the build's own outputs", () => {
    recordBuild(root, buildFingerprint(root));
    write("src/generated/prisma/client.ts", "generated");
    write("dist/other.js", "built");
    expect(isBuildCurrent(root)).toBe(true);

    write("src/main.ts", "main, changed");
    expect(isBuildCurrent(root)).toBe(false);
    write("src/main.ts", "main");
    expect(isBuildCurrent(root)).toBe(true);

    write("src/extra.ts", "new");
    expect(isBuildCurrent(root)).toBe(false);
    rmSync(path.join(root, "src/extra.ts"));
    write("prisma/schema.prisma", "model X {}");
    expect(isBuildCurrent(root)).toBe(false);
  });

  it("rebuilds when the output is gone", () => {
    recordBuild(root, buildFingerprint(root));
    rmSync(path.join(root, "dist/main.js"));
    expect(isBuildCurrent(root)).toBe(false);
  });
});
