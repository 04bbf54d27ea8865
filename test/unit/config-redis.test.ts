// The Redis variables as an operator writes them: one server, a Cluster, or Sentinel.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import { describeRedis } from "../../src/config/redis";

const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x" };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

it("is one server at REDIS_URL, or in-process without it (development)", () => {
  expect(loadConfig({ ...base, REDIS_URL: "redis://cache:6379" }).redis).toMatchObject({
    topology: { kind: "single", url: "redis://cache:6379" },
    tls: undefined,
  });
  expect(loadConfig(base).redis.topology).toEqual({ kind: "in-process" });
  expect(
    problems({
      NODE_ENV: "production",
      JWT_SECRET_KEY: "x".repeat(32),
      ONE_TIME_LINK_SECRET: "y".repeat(32),
    }),
  ).toEqual([
    expect.stringMatching(/^REDIS_URL: required in production .*REDIS_TOPOLOGY=cluster or sentinel/),
  ]);
});

it("reads a cluster's seed nodes and a sentinel set, with their credentials", () => {
  const cluster = loadConfig({
    ...base,
    REDIS_TOPOLOGY: "cluster",
    REDIS_NODES: "10.0.0.1:7000, redis-b:7001,[::1]:7002",
    REDIS_PASSWORD: "p",
  }).redis;
  expect(cluster.topology).toEqual({
    kind: "cluster",
    nodes: [
      { host: "10.0.0.1", port: 7000 },
      { host: "redis-b", port: 7001 },
      { host: "::1", port: 7002 },
    ],
  });
  expect(cluster.auth).toEqual({ username: undefined, password: "p" });
  expect(describeRedis(cluster)).toBe("cluster, seeds 10.0.0.1:7000,redis-b:7001,[::1]:7002");

  const sentinel = loadConfig({
    ...base,
    REDIS_TOPOLOGY: "sentinel",
    REDIS_NODES: "s1:26379,s2:26379,s3:26379",
    REDIS_SENTINEL_MASTER: "aegis",
    REDIS_USERNAME: "gateway",
    REDIS_PASSWORD: "data-secret",
    REDIS_SENTINEL_PASSWORD: "sentinel-secret",
  }).redis;
  expect(sentinel.topology).toMatchObject({
    kind: "sentinel",
    masterName: "aegis",
    sentinelAuth: { password: "sentinel-secret" },
  });
  expect(sentinel.auth).toEqual({ username: "gateway", password: "data-secret" });
  expect(describeRedis(sentinel)).toBe('sentinel master "aegis" via s1:26379,s2:26379,s3:26379');
  expect(
    describeRedis(loadConfig({ ...base, REDIS_URL: "redis://u:secret@cache:6379" }).redis),
  ).not.toContain("secret");
});

it("names every missing or conflicting variable", () => {
  expect(problems({ REDIS_TOPOLOGY: "cluster" })).toEqual([
    expect.stringMatching(/^REDIS_NODES: required with REDIS_TOPOLOGY=cluster/),
  ]);
  expect(problems({ REDIS_TOPOLOGY: "sentinel", REDIS_NODES: "s1:26379" })).toEqual([
    expect.stringMatching(/^REDIS_SENTINEL_MASTER: required/),
  ]);
  expect(problems({ REDIS_TOPOLOGY: "cluster", REDIS_NODES: "a:1", REDIS_URL: "redis://a:1" })).toEqual([
    expect.stringMatching(/^REDIS_URL: not with REDIS_TOPOLOGY=cluster/),
  ]);
  expect(problems({ REDIS_NODES: "a:1" })).toEqual([expect.stringMatching(/^REDIS_NODES: only with/)]);
  expect(problems({ REDIS_TOPOLOGY: "cluster", REDIS_NODES: "a" })).toEqual([
    expect.stringMatching(/^REDIS_NODES: must be host:port pairs, comma-separated \(got "a"\)/),
  ]);
  expect(problems({ REDIS_TOPOLOGY: "ring", REDIS_NODES: "a:1" })[0]).toMatch(/^REDIS_TOPOLOGY:/);
  // A brace in the prefix would become every key's hash tag: all keys on one slot.
  expect(problems({ REDIS_TOPOLOGY: "cluster", REDIS_NODES: "a:1", REDIS_KEY_PREFIX: "{aegis}:" })).toEqual([
    expect.stringMatching(/^REDIS_KEY_PREFIX: no \{ or \}/),
  ]);
});

it("reads TLS files when TLS is on, and refuses files without it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aegis-tls-config-"));
  try {
    fs.writeFileSync(path.join(dir, "ca.pem"), "CA PEM");
    const tls = loadConfig({
      ...base,
      REDIS_URL: "redis://cache:6379",
      REDIS_TLS: "true",
      REDIS_TLS_CA_FILE: path.join(dir, "ca.pem"),
    }).redis.tls;
    expect(tls).toEqual({ ca: "CA PEM", cert: undefined, key: undefined });
    expect(loadConfig({ ...base, REDIS_URL: "rediss://cache:6380" }).redis.tls).toEqual({});
    expect(
      problems({ REDIS_URL: "redis://cache:6379", REDIS_TLS_CA_FILE: path.join(dir, "ca.pem") }),
    ).toEqual([expect.stringMatching(/set REDIS_TLS=true/)]);
    expect(
      problems({
        REDIS_URL: "redis://c:1",
        REDIS_TLS: "true",
        REDIS_TLS_CA_FILE: path.join(dir, "missing.pem"),
      }),
    ).toEqual([expect.stringMatching(/^REDIS_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/)]);
    expect(
      problems({
        REDIS_URL: "redis://c:1",
        REDIS_TLS: "true",
        REDIS_TLS_CERT_FILE: path.join(dir, "ca.pem"),
      }),
    ).toEqual([expect.stringMatching(/set both or neither/)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
