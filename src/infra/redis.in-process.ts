import type Redis from "ioredis";
import { LUA_CJSON } from "./lua-cjson";

interface ScriptDefinition {
  numberOfKeys: number;
  lua: string;
}

/**
 * An in-process stand-in for Redis (ioredis-mock: the ioredis API over in-memory data, Lua
 * scripts run by fengari), for the embedded mode only. Every client built with the same `server`
 * name shares one keyspace and one set of PubSub channels, as clients of one Redis server do.
 *
 * Differences from real Redis that this module covers: scripts get a `cjson` library (fengari has
 * none). Callers must not use a key prefix (config forces it empty in this mode): the mock
 * prefixes keys inside scripts too, which would double the prefix of keys a script builds itself.
 */
export function createInProcessRedis(server: string): Redis {
  // Loaded on demand: production never runs in-process and never loads the Lua VM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RedisMock = require("ioredis-mock") as new (options: object) => Redis;
  const client = new RedisMock({ host: server, port: 6379, keyPrefix: "" });
  const define = client.defineCommand.bind(client) as (name: string, def: ScriptDefinition) => void;
  Object.defineProperty(client, "defineCommand", {
    value: (name: string, def: ScriptDefinition) => define(name, { ...def, lua: LUA_CJSON + def.lua }),
    writable: true,
  });
  return client;
}
