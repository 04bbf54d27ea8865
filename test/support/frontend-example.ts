import { spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
export const FRONTEND_EXAMPLE_DIR = path.join(ROOT, "examples", "react-app");

/**
 * Builds the frontend example (examples/react-app) with Vite for a gateway at `gatewayUrl`, into
 * `outDir`, as `npm run example:build` does: once per test run, about a second.
 */
export function buildFrontendExample(gatewayUrl: string, outDir: string): void {
  const build = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules", "vite", "bin", "vite.js"),
      "build",
      FRONTEND_EXAMPLE_DIR,
      "--outDir",
      outDir,
      "--emptyOutDir",
      "--logLevel",
      "warn",
    ],
    { cwd: ROOT, env: { ...process.env, VITE_GATEWAY_URL: gatewayUrl }, encoding: "utf8" },
  );
  if (build.status !== 0) {
    throw new Error(`vite build of the frontend example failed:\n${build.stdout}\n${build.stderr}`);
  }
}
