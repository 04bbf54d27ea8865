import type Redis from "ioredis";
import { LUA_CJSON } from "./lua-cjson";

/**
 * The emulator hands scripts its JavaScript replies as they are: arrays as proxies and a missing
 * value inside an array (HMGET of an absent field) as a JavaScript null, which Lua sees as a true
 * value. Real Redis gives a Lua table with `false` there. This wraps `redis.call`/`redis.pcall`
 * to convert, so `if not reply[1]` means what it means on Redis.
 */
const LUA_REPLIES_AS_REDIS = `
do
  local function from_js(value)
    if type(value) ~= 'userdata' then return value end
    local ok, length = pcall(function() return #value end)
    if not ok or type(length) ~= 'number' then return false end
    local items = {}
    for i = 1, length do items[i] = from_js(value[i]) end
    return items
  end
  local call, pcall_ = redis.call, redis.pcall
  redis.call = function(...) return from_js(call(...)) end
  redis.pcall = function(...) return from_js(pcall_(...)) end
end
`;

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
 * none) and Redis's conversion of replies (below). Callers must not use a key prefix (config forces it empty in this mode): the mock
 * prefixes keys inside scripts too, which would double the prefix of keys a script builds itself.
 */
export function createInProcessRedis(server: string): Redis {
  // Loaded on demand: production never runs in-process and never loads the Lua VM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RedisMock = require("ioredis-mock") as new (options: object) => Redis;
  const client = new RedisMock({ host: server, port: 6379, keyPrefix: "" });
  const define = client.defineCommand.bind(client) as (name: string, def: ScriptDefinition) => void;
  Object.defineProperty(client, "defineCommand", {
    value: (name: string, def: ScriptDefinition) => define(name, { ...def, lua: LUA_CJSON + LUA_REPLIES_AS_REDIS + def.lua }),
    writable: true,
  });
  return client;
}
