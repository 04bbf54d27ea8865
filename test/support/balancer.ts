import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports";

/**
 * HAProxy (Debian's package) in front of gateway processes, round-robin per HTTP request, with
 * WebSocket upgrades tunnelled, as a production load balancer would. Every answer names the
 * replica that served it (`X-Served-By: r0|r1|…`), so a test can see the spread.
 */
export interface Balancer {
  url: string;
  graphqlUrl: string;
  stop(): Promise<void>;
}

export async function startBalancer(targets: string[]): Promise<Balancer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-haproxy-"));
  const config = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(
    config,
    [
      "global",
      "  maxconn 512",
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 60s",
      "  timeout server 60s",
      "  timeout tunnel 120s",
      "frontend gateway",
      `  bind 127.0.0.1:${port}`,
      "  default_backend replicas",
      "backend replicas",
      "  balance roundrobin",
      "  http-response set-header X-Served-By %[srv_name]",
      ...targets.map((target, i) => `  server r${i} ${new URL(target).host}`),
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("haproxy", ["-f", config, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    process.removeListener("exit", kill);
    if (child.exitCode === null && child.signalCode === null) kill();
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited (apt-get install haproxy):\n${output}`);
    }
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
      socket.once("close", () => socket.destroy());
      setTimeout(() => socket.destroy(), 500);
      socket.unref();
      socket.once("connect", () => socket.end());
    });
    if (listening) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not listen on ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = `http://127.0.0.1:${port}`;
  return { url, graphqlUrl: `${url}/graphql`, stop };
}
