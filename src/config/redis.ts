import fs from "node:fs";
import { z } from "zod";
import { bool, doc, oneOf, optionalText, optionalUrl } from "./values";

/**
 * The Redis part of the configuration: which topology, where, and how to authenticate. The
 * variables are documented here (the configuration reference is generated from them) and
 * `redisConfig` turns them into what infra/redis.ts builds clients from. Three topologies, each
 * through ioredis's own support:
 * - `single`: one server at REDIS_URL (`redis://` or `rediss://` for TLS); unset in development,
 *   an in-process Redis instead.
 * - `cluster`: Redis Cluster, REDIS_NODES are seed nodes (any few masters or replicas); the client
 *   learns the rest from CLUSTER SLOTS and follows MOVED/ASK redirections and failovers.
 * - `sentinel`: REDIS_NODES are the sentinels, REDIS_SENTINEL_MASTER the monitored master's name;
 *   the client asks the sentinels where the master is and asks again after a failover.
 */

/** `host:port` pairs, comma-separated (IPv6 in brackets: `[::1]:6379`); unset is none. */
const hostList = () =>
  optionalText().transform((value, ctx): RedisNode[] => {
    if (value === undefined) return [];
    const nodes: RedisNode[] = [];
    for (const item of value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)) {
      const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(item);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({ code: "custom", message: `must be host:port pairs, comma-separated (got "${item}")` });
        return z.NEVER;
      }
      nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ""), port });
    }
    return nodes;
  });

/** The Redis variables: a section of the configuration reference (config/variables.ts). */
export const redis = {
  REDIS_TOPOLOGY: doc(
    oneOf(["single", "cluster", "sentinel"], "single"),
    "`single`: one server at `REDIS_URL`; `cluster`: Redis Cluster from the seed nodes in `REDIS_NODES`; `sentinel`: the master that the sentinels in `REDIS_NODES` name `REDIS_SENTINEL_MASTER`. See [Redis topologies](operating.md#redis-topologies)",
  ),
  REDIS_URL: doc(
    optionalUrl(["redis", "rediss"], "redis://host:6379 (rediss:// for TLS)"),
    "`single`: Redis for sessions, profile cache, rate limits and PubSub (`redis://`, or `rediss://` for TLS; credentials may be in it); unset: an in-process Redis",
    { production: "required with `single`", example: "redis://127.0.0.1:6379" },
  ),
  REDIS_NODES: doc(
    hostList(),
    "`cluster`: seed nodes; `sentinel`: the sentinels. Comma-separated `host:port` (`[::1]:6379` for IPv6), e.g. `10.0.1.1:6379,10.0.1.2:6379,10.0.1.3:6379`",
  ),
  REDIS_SENTINEL_MASTER: doc(optionalText(), "`sentinel`: the name the sentinels monitor the master under"),
  REDIS_USERNAME: doc(
    optionalText(),
    "ACL user of the data nodes (every topology; `single` may also put it in `REDIS_URL`)",
  ),
  REDIS_PASSWORD: doc(optionalText(), "password of the data nodes (`requirepass`, or the ACL user's)"),
  REDIS_SENTINEL_USERNAME: doc(
    optionalText(),
    "`sentinel`: ACL user of the sentinels themselves, when they have one",
  ),
  REDIS_SENTINEL_PASSWORD: doc(
    optionalText(),
    "`sentinel`: password of the sentinels themselves, when they have one",
  ),
  REDIS_TLS: doc(
    bool(false),
    "TLS to the data nodes, and to the sentinels; a `rediss://` URL turns it on too. Certificates are always verified",
  ),
  REDIS_TLS_CA_FILE: doc(
    optionalText(),
    "PEM file of the CAs that sign the servers' certificates; unset: the system's CAs",
  ),
  REDIS_TLS_CERT_FILE: doc(
    optionalText(),
    "PEM client certificate, for servers that require one (`tls-auth-clients yes`); with `REDIS_TLS_KEY_FILE`",
  ),
  REDIS_TLS_KEY_FILE: doc(optionalText(), "PEM key of that client certificate"),
  REDIS_KEY_PREFIX: doc(
    optionalText(),
    "prefix of every Redis key and PubSub channel, to share one Redis between deployments (ignored in-process); no `{` or `}` with `cluster`",
  ),
};

/** The parsed Redis variables. */
export type RedisEnv = { [K in keyof typeof redis]: z.infer<(typeof redis)[K]> };

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisTls {
  /** PEM: the CAs to trust instead of the system's. */
  ca?: string;
  /** PEM: a client certificate and its key, for servers that require one. */
  cert?: string;
  key?: string;
}

export interface RedisCredentials {
  username?: string;
  password?: string;
}

export type RedisTopology =
  | { kind: "in-process" }
  | { kind: "single"; url: string }
  | { kind: "cluster"; nodes: RedisNode[] }
  | { kind: "sentinel"; sentinels: RedisNode[]; masterName: string; sentinelAuth: RedisCredentials };

export interface RedisConfig {
  topology: RedisTopology;
  /** Credentials of the data nodes (single: also possible in the URL). */
  auth: RedisCredentials;
  /** TLS to the data nodes, and to the sentinels in the sentinel topology. */
  tls?: RedisTls;
  /** Put in front of every key (several deployments on one Redis). Empty in-process. */
  keyPrefix: string;
}

/** Builds the Redis configuration; adds one line per problem to `problems`. */
export function redisConfig(env: RedisEnv, production: boolean, problems: string[]): RedisConfig {
  const topology = redisTopology(env, production, problems);
  const keyPrefix = env.REDIS_KEY_PREFIX ?? "";
  if (topology.kind === "cluster" && /[{}]/.test(keyPrefix)) {
    problems.push(
      "REDIS_KEY_PREFIX: no { or } with REDIS_TOPOLOGY=cluster (a hash tag in the prefix would put every key on one slot)",
    );
  }
  const useTls = env.REDIS_TLS || (topology.kind === "single" && topology.url.startsWith("rediss:"));
  const tls = useTls ? readTls(env, problems) : undefined;
  if (!useTls && (env.REDIS_TLS_CA_FILE || env.REDIS_TLS_CERT_FILE || env.REDIS_TLS_KEY_FILE)) {
    problems.push(
      "REDIS_TLS_CA_FILE/CERT_FILE/KEY_FILE: set REDIS_TLS=true (or a rediss:// URL) to use them",
    );
  }
  return {
    topology,
    auth: { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD },
    tls,
    // A prefix shares one Redis between deployments; in-process there is nothing to share.
    keyPrefix: topology.kind === "in-process" ? "" : keyPrefix,
  };
}

function redisTopology(env: RedisEnv, production: boolean, problems: string[]): RedisTopology {
  const nodes = env.REDIS_NODES;
  switch (env.REDIS_TOPOLOGY) {
    case "single":
      if (nodes.length > 0) problems.push("REDIS_NODES: only with REDIS_TOPOLOGY=cluster or sentinel");
      if (env.REDIS_URL !== undefined) return { kind: "single", url: env.REDIS_URL };
      if (production) {
        problems.push(
          "REDIS_URL: required in production (unset means the in-process Redis, for development only; " +
            "or set REDIS_TOPOLOGY=cluster or sentinel with REDIS_NODES)",
        );
      }
      return { kind: "in-process" };
    case "cluster":
      if (env.REDIS_URL !== undefined)
        problems.push("REDIS_URL: not with REDIS_TOPOLOGY=cluster (use REDIS_NODES)");
      if (nodes.length === 0)
        problems.push("REDIS_NODES: required with REDIS_TOPOLOGY=cluster (seed nodes, host:port,…)");
      return { kind: "cluster", nodes };
    case "sentinel":
      if (env.REDIS_URL !== undefined)
        problems.push("REDIS_URL: not with REDIS_TOPOLOGY=sentinel (use REDIS_NODES)");
      if (nodes.length === 0)
        problems.push("REDIS_NODES: required with REDIS_TOPOLOGY=sentinel (the sentinels, host:port,…)");
      if (env.REDIS_SENTINEL_MASTER === undefined) {
        problems.push(
          "REDIS_SENTINEL_MASTER: required with REDIS_TOPOLOGY=sentinel (the monitored master's name)",
        );
      }
      return {
        kind: "sentinel",
        sentinels: nodes,
        masterName: env.REDIS_SENTINEL_MASTER ?? "",
        sentinelAuth: { username: env.REDIS_SENTINEL_USERNAME, password: env.REDIS_SENTINEL_PASSWORD },
      };
  }
}

function readTls(env: RedisEnv, problems: string[]): RedisTls {
  const read = (variable: string, file: string | undefined) => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, "utf8");
    } catch (error) {
      problems.push(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      return undefined;
    }
  };
  if (Boolean(env.REDIS_TLS_CERT_FILE) !== Boolean(env.REDIS_TLS_KEY_FILE)) {
    problems.push("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE: set both or neither");
  }
  return {
    ca: read("REDIS_TLS_CA_FILE", env.REDIS_TLS_CA_FILE),
    cert: read("REDIS_TLS_CERT_FILE", env.REDIS_TLS_CERT_FILE),
    key: read("REDIS_TLS_KEY_FILE", env.REDIS_TLS_KEY_FILE),
  };
}

/** Where Redis is, for the start-up banner (never with credentials). */
export function describeRedis(config: RedisConfig): string {
  const list = (nodes: RedisNode[]) =>
    nodes.map((node) => `${node.host.includes(":") ? `[${node.host}]` : node.host}:${node.port}`).join(",");
  const tls = config.tls ? " (TLS)" : "";
  switch (config.topology.kind) {
    case "in-process":
      return "in-process";
    case "single": {
      const url = new URL(config.topology.url);
      url.username = "";
      url.password = "";
      return url.toString();
    }
    case "cluster":
      return `cluster, seeds ${list(config.topology.nodes)}${tls}`;
    case "sentinel":
      return `sentinel master "${config.topology.masterName}" via ${list(config.topology.sentinels)}${tls}`;
  }
}
