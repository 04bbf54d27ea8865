import { spawn } from "node:child_process";
import path from "node:path";
import { testEnv } from "../support/test-server";

const root = path.join(__dirname, "..", "..");

describe("shutdown", () => {
  it("stops on SIGTERM with exit code 0 (production mode, where Apollo would add its own handler)", async () => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")], {
      cwd: root,
      env: { PATH: process.env.PATH, ...testEnv({ NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("listening")) resolve();
      });
      child.once("exit", () => reject(new Error(`exited before listening:\n${output}`)));
    });

    // Serving requests: start-up, signal handlers included, is over.
    const port = /"port":(\d+)/.exec(output)![1];
    expect((await fetch(`http://127.0.0.1:${port}/health/liveness`)).status).toBe(200);

    child.kill("SIGTERM");
    // Without a clean exit the test times out; the process is killed in that case.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await exited;
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(output).toContain('"msg":"shutting down"');
  });
});
