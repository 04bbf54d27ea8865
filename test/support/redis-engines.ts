import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports";
import Redis from "ioredis";

/**
 * Real Redis engines for the topology tests, started from Debian's `redis-server` and removed
 * again: a 3-master Redis Cluster, and a Sentinel set (one master, one replica, three sentinels).
 * Every process listens on 127.0.0.1 on free ports, keeps its files in a temporary folder, and is
 * killed by `stop()` (and, should a test worker die first, when its process exits).
 */

export interface RedisEngine {
  /** The gateway variables that point at this engine. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});

interface ServerProcess {
  port: number;
  child: ChildProcess;
  /** SIGKILL, as a crash would: no shutdown, no final save. */
  kill(): Promise<void>;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function answers(port: number, check: (client: Redis) => Promise<boolean> = async () => true) {
  const client = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === "PONG" && (await check(client));
  } finally {
    client.disconnect();
  }
}

/** Starts `redis-server` with `args` (a config file, or options) and waits for it to answer. */
async function startServer(port: number, dir: string, args: string[]): Promise<ServerProcess> {
  const child = spawn("redis-server", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => started.delete(child));
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited:\n${output}`);
      return answers(port);
    }, `redis-server on ${port}`);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    port,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

const BASE = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];

function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `aegis-${label}-`));
}

export interface RedisCluster extends RedisEngine {
  nodes: ServerProcess[];
}

/**
 * Three masters, no replicas, every slot assigned (`redis-cli --cluster create`). The bus port of
 * each node is chosen too (`cluster-port`), so nothing assumes port + 10000 is free.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = tempDir("cluster");
  const nodes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const [port, busPort] = [await freePort(), await freePort()];
      nodes.push(
        await startServer(port, dir, [
          "--port",
          String(port),
          ...BASE,
          "--cluster-enabled",
          "yes",
          "--cluster-port",
          String(busPort),
          "--cluster-config-file",
          path.join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          "2000",
          "--dir",
          dir,
        ]),
      );
    }
    const create = spawnSync(
      "redis-cli",
      [
        "--cluster",
        "create",
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    for (const node of nodes) {
      await waitUntil(
        () => answers(node.port, async (client) => /cluster_state:ok/.test(await client.cluster("INFO"))),
        `cluster state ok on ${node.port}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    env: {
      REDIS_URL: "",
      REDIS_TOPOLOGY: "cluster",
      REDIS_NODES: nodes.map((node) => `127.0.0.1:${node.port}`).join(","),
    },
    stop,
  };
}

export interface RedisSentinelSet extends RedisEngine {
  masterName: string;
  master: ServerProcess;
  replica: ServerProcess;
  sentinels: ServerProcess[];
  /** The address the sentinels name as master now. */
  currentMaster(): Promise<number>;
  /** Waits until the replica has every write the master acknowledged so far. */
  replicaCaughtUp(): Promise<void>;
}

export interface SentinelTimings {
  /** How long a master must be unreachable before a sentinel calls it down. */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/**
 * One master, one replica, three sentinels (quorum 2), with short timings so a failover takes
 * about a second or two instead of the production defaults' half a minute.
 */
export async function startRedisSentinel(timings: SentinelTimings = {}): Promise<RedisSentinelSet> {
  const dir = tempDir("sentinel");
  const masterName = "aegis";
  const processes: ServerProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((process) => process.kill()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    const master = await startServer(masterPort, dir, ["--port", String(masterPort), ...BASE, "--dir", dir]);
    processes.push(master);
    const replicaPort = await freePort();
    const replica = await startServer(replicaPort, dir, [
      "--port",
      String(replicaPort),
      ...BASE,
      "--dir",
      dir,
      "--replicaof",
      "127.0.0.1",
      String(masterPort),
    ]);
    processes.push(replica);
    await waitUntil(
      () =>
        answers(replicaPort, async (client) =>
          /master_link_status:up/.test(await client.info("replication")),
        ),
      "the replica to sync",
    );
    const sentinels: ServerProcess[] = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const file = path.join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its configuration file as it learns: each gets its own, writable.
      fs.writeFileSync(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          "protected-mode no",
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} ${timings.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} ${timings.failoverTimeoutMs ?? 5000}`,
          `sentinel parallel-syncs ${masterName} 1`,
          "",
        ].join("\n"),
      );
      const sentinel = await startServer(port, dir, [file, "--sentinel"]);
      processes.push(sentinel);
      sentinels.push(sentinel);
    }
    const sentinelOf = (port: number) =>
      new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 1, lazyConnect: true });
    // Every sentinel knows the replica and the other sentinels before a test may fail over.
    for (const sentinel of sentinels) {
      await waitUntil(async () => {
        const client = sentinelOf(sentinel.port);
        try {
          const state = (await client.call("SENTINEL", "MASTER", masterName)) as string[];
          const field = (name: string) => Number(state[state.indexOf(name) + 1]);
          return field("num-slaves") >= 1 && field("num-other-sentinels") >= 2;
        } finally {
          client.disconnect();
        }
      }, `sentinel ${sentinel.port} to see its peers`);
    }
    return {
      masterName,
      master,
      replica,
      sentinels,
      env: {
        REDIS_URL: "",
        REDIS_TOPOLOGY: "sentinel",
        REDIS_NODES: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(","),
        REDIS_SENTINEL_MASTER: masterName,
      },
      async currentMaster() {
        for (const sentinel of sentinels) {
          const client = sentinelOf(sentinel.port);
          try {
            const [, port] = (await client.call(
              "SENTINEL",
              "GET-MASTER-ADDR-BY-NAME",
              masterName,
            )) as string[];
            return Number(port);
          } catch {
            // that sentinel is gone: ask the next
          } finally {
            client.disconnect();
          }
        }
        throw new Error("no sentinel answered");
      },
      async replicaCaughtUp() {
        const client = new Redis({ port: master.port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
        try {
          // WAIT waits for this connection's last write; the replication stream is one sequence,
          // so once the replica acknowledged this probe it has every write made before it.
          await client.set("test:replication-probe", String(Date.now()));
          const acknowledged = await client.call("WAIT", "1", "5000");
          if (Number(acknowledged) < 1) throw new Error("the replica did not acknowledge in 5 s");
        } finally {
          client.disconnect();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface TlsRedis extends RedisEngine {
  port: number;
  /** PEM file of the CA that signed the server's certificate. */
  caFile: string;
  password: string;
}

/**
 * One server that speaks only TLS (a certificate for 127.0.0.1 from a throw-away CA made with
 * openssl) and requires a password, for the TLS and AUTH options.
 */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = tempDir("tls");
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=aegis-test-ca",
  );
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  fs.writeFileSync(file("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  );
  const password = "tls-test-password";
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      "0",
      "--tls-port",
      String(port),
      ...BASE,
      "--dir",
      dir,
      "--tls-cert-file",
      file("server.pem"),
      "--tls-key-file",
      file("server.key"),
      "--tls-ca-cert-file",
      file("ca.pem"),
      "--tls-auth-clients",
      "no",
      "--requirepass",
      password,
    ],
    { cwd: dir, stdio: "ignore" },
  );
  started.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    started.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => {
      const client = new Redis({
        port,
        host: "127.0.0.1",
        password,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        tls: { ca: fs.readFileSync(file("ca.pem")) },
      });
      try {
        await client.connect();
        return (await client.ping()) === "PONG";
      } finally {
        client.disconnect();
      }
    }, "the TLS server to answer");
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    caFile: file("ca.pem"),
    password,
    env: {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_TLS: "true",
      REDIS_TLS_CA_FILE: file("ca.pem"),
      REDIS_PASSWORD: password,
    },
    stop,
  };
}
