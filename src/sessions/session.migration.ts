import type { Redis } from "ioredis";
import { Cluster } from "ioredis";
import type { Logger } from "../infra/logger";
import type { RedisClient } from "../infra/redis";
import { KEY_LAYOUT_VERSION, LegacyRedisKeys, RedisKeys } from "../infra/redis.keys";
import type { SessionStore } from "./session.store";

export interface KeyLayoutSummary {
  /** The marker said there was nothing left to move: nothing was scanned. */
  alreadyCurrent: boolean;
  /** Sessions written in the current layout. */
  moved: number;
  /** Legacy keys found (sessions and per-user indexes), moved or not. */
  found: number;
}

/** Keys handled at once: bounded, so a big keyspace does not flood Redis or the event loop. */
const BATCH = 200;

/**
 * Moves sessions from the key layout before hash tags (`session:<id>` and `user-sessions:<userId>`,
 * up to release 0.1) into the current one, once, at start-up, before the gateway answers: an
 * upgrade signs nobody out. Lockout and rate-limit keys kept their names; cached profiles and
 * WebSocket counts of the old layout are left to expire (minutes).
 *
 * Each legacy session is taken with one MULTI on its own key (HGETALL, PTTL, DEL): whichever
 * process gets it writes it, so replicas starting together move each session once, and a session
 * the current layout already has is never overwritten. Safe on every topology: on a cluster
 * every master is scanned, and no command touches keys of two slots.
 *
 * A marker key records that a scan found nothing left; later start-ups skip the scan. While older
 * replicas still run (a rolling upgrade), each new replica's start-up sweeps what they wrote since.
 */
export class KeyLayoutMigration {
  private readonly redis: RedisClient;
  private readonly store: SessionStore;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;

  constructor(deps: {
    redis: RedisClient;
    store: SessionStore;
    keyPrefix: string;
    /** For legacy sessions without an expiry (none should exist): the session lifetime. */
    ttlSeconds: number;
    logger: Logger;
  }) {
    this.redis = deps.redis;
    this.store = deps.store;
    this.keyPrefix = deps.keyPrefix;
    this.ttlSeconds = deps.ttlSeconds;
    this.logger = deps.logger;
  }

  /**
   * At start-up: waits up to `waitMs` for the move, never throws. A Redis that does not answer
   * in time (a cluster still forming) does not keep the gateway from starting: the move goes on
   * in the background, and the log says how it ended.
   */
  async runAtStartup(waitMs: number): Promise<void> {
    const run = this.run().then(
      () => true,
      (err: unknown) => {
        this.logger.error(
          { err },
          "redis key layout: could not move sessions of the earlier layout; the next start-up tries again",
        );
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
      timer.unref();
    });
    const done = await Promise.race([run, late]);
    clearTimeout(timer);
    if (!done) {
      this.logger.warn(
        { waitMs },
        "redis key layout: Redis did not answer in time; starting, the move goes on in the background",
      );
    }
  }

  async run(): Promise<KeyLayoutSummary> {
    if ((await this.redis.get(RedisKeys.layoutMarker)) === KEY_LAYOUT_VERSION) {
      return { alreadyCurrent: true, moved: 0, found: 0 };
    }
    let moved = 0;
    let found = 0;
    for (const node of this.nodes()) {
      for await (const keys of this.scan(node, LegacyRedisKeys.sessionPattern)) {
        found += keys.length;
        const results = await Promise.all(keys.map((key) => this.moveSession(key)));
        moved += results.filter(Boolean).length;
      }
      for await (const keys of this.scan(node, LegacyRedisKeys.userSessionsPattern)) {
        found += keys.length;
        // One DEL per key: on a cluster the keys lie on many slots.
        await Promise.all(keys.map((key) => this.redis.del(this.unprefixed(key))));
      }
    }
    if (found === 0) await this.redis.set(RedisKeys.layoutMarker, KEY_LAYOUT_VERSION);
    if (found > 0) {
      this.logger.info({ moved, found }, "redis key layout: moved sessions of the earlier layout");
    }
    return { alreadyCurrent: false, moved, found };
  }

  /** Moves one legacy session; false when another process took it or it had no owner. */
  private async moveSession(fullKey: string): Promise<boolean> {
    const key = this.unprefixed(fullKey);
    const results = await this.redis.multi().hgetall(key).pttl(key).del(key).exec();
    const [[hashError, hash], [ttlError, pttl]] = results as [
      [Error | null, Record<string, string>],
      [Error | null, number],
    ];
    if (hashError || ttlError) throw hashError ?? ttlError;
    if (!hash.userId) return false;
    const ttlMs = Number(pttl) > 0 ? Number(pttl) : this.ttlSeconds * 1000;
    return this.store.import({
      id: LegacyRedisKeys.sessionIdOf(fullKey, this.keyPrefix),
      fields: hash,
      ttlMs,
    });
  }

  /** The clients to scan: every master of a cluster, else the one server. */
  private nodes(): Redis[] {
    return this.redis instanceof Cluster ? this.redis.nodes("master") : [this.redis];
  }

  /** SCAN (never KEYS, which blocks Redis) for `pattern` under this deployment's prefix. */
  private async *scan(node: Redis, pattern: string): AsyncGenerator<string[]> {
    const match = `${escapeGlob(this.keyPrefix)}${pattern}`;
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", match, "COUNT", BATCH);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }

  /** A key as SCAN returns it (prefix included), as the prefixing client wants it. */
  private unprefixed(fullKey: string): string {
    return fullKey.slice(this.keyPrefix.length);
  }
}

/** `text` matched literally inside a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
