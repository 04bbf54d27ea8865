import type Redis from "ioredis";
import { LUA_CJSON } from "./lua-cjson";

/**
 * Replies as Redis gives them, both ways. Into the script: the emulator hands over its JavaScript
 * replies as they are, arrays as proxies and a missing value inside an array (HMGET of an absent
 * field) as a JavaScript null, which Lua sees as a true value; Redis gives a Lua table with
 * `false` there. Out of the script: the emulator recognises a returned table as an array only
 * when its keys come back in the order a table constructor leaves them (a table filled with
 * table.insert comes back as a dead proxy, without a length). So `redis.call`/`redis.pcall`
 * convert what they return, and the script's own return value is rebuilt before it leaves.
 */
const LUA_REPLIES_AS_REDIS = `
local function from_js(value)
  if type(value) ~= 'userdata' then return value end
  local ok, length = pcall(function() return #value end)
  if not ok or type(length) ~= 'number' then return false end
  local items = {}
  for i = 1, length do items[i] = from_js(value[i]) end
  return items
end
do
  local call, pcall_ = redis.call, redis.pcall
  redis.call = function(...) return from_js(call(...)) end
  redis.pcall = function(...) return from_js(pcall_(...)) end
end
local function as_reply(value)
  if type(value) ~= 'table' or (#value == 0 and next(value) ~= nil) then return value end
  local items = {}
  for i = #value, 1, -1 do items[i] = as_reply(value[i]) end
  return items
end
`;

/** The script as the emulator runs it: our preludes, then the body, its reply rebuilt. */
export function inProcessScript(body: string): string {
  return `${LUA_CJSON}${LUA_REPLIES_AS_REDIS}return as_reply((function()\n${body}\nend)())\n`;
}

interface ScriptDefinition {
  /** Unset: the caller passes the key count as the first argument, as ioredis allows. */
  numberOfKeys?: number;
  lua: string;
}

/**
 * An in-process stand-in for Redis (ioredis-mock: the ioredis API over in-memory data, Lua
 * scripts run by fengari), for the embedded mode only. Every client built with the same `server`
 * name shares one keyspace and one set of PubSub channels, as clients of one Redis server do.
 *
 * Differences from real Redis covered here: scripts get a `cjson` library (fengari has none) and
 * Redis's conversion of replies (above); PUBLISH delivers later, as over a socket; `status` exists.
 * Callers must not use a key prefix (config forces it empty in this mode): the emulator prefixes
 * keys inside scripts too, which would double the prefix of keys a script builds itself.
 */
export function createInProcessRedis(server: string): Redis {
  // Loaded on demand: production never runs in-process and never loads the Lua VM.
  const RedisMock = require("ioredis-mock") as new (options: object) => Redis;
  const client = new RedisMock({ host: server, port: 6379, keyPrefix: "" });
  const define = client.defineCommand.bind(client) as (name: string, def: ScriptDefinition) => void;
  const commands = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  Object.defineProperty(client, "defineCommand", {
    value: (name: string, def: ScriptDefinition) => {
      const lua = inProcessScript(def.lua);
      if (def.numberOfKeys !== undefined) return define(name, { numberOfKeys: def.numberOfKeys, lua });
      // The emulator fixes the key count when a script is defined: one definition per count.
      commands[name] = (numberOfKeys, ...args) => {
        const fixed = `${name}:${Number(numberOfKeys)}`;
        if (!commands[fixed]) define(fixed, { numberOfKeys: Number(numberOfKeys), lua });
        return commands[fixed]!(...args);
      };
    },
    writable: true,
  });
  // A real PUBLISH reaches subscribers over their sockets, each message in a later turn of the
  // event loop; the emulator calls them inside PUBLISH. Deliver in a later turn too, in order, so
  // what a subscriber does with one message (write it to a WebSocket) finishes before the next.
  const publish = client.publish.bind(client) as (channel: string, message: string) => Promise<number>;
  Object.defineProperty(client, "publish", {
    value: (channel: string, message: string) =>
      new Promise<number>((resolve, reject) => {
        setImmediate(() => publish(channel, message).then(resolve, reject));
      }),
    writable: true,
  });
  // ioredis says how its connection is through `status`, which the emulator lacks.
  Object.defineProperty(client, "status", {
    get: () => ((client as unknown as { connected: boolean }).connected ? "ready" : "end"),
  });
  return client;
}
