import type { Result } from "ioredis";
import type { RedisClient } from "../infra/redis";
import { RedisKeys } from "../infra/redis.keys";
import type { UserProfile } from "./user.model";

// Stores `value` only when nothing newer is cached: a fill that read the database before a
// concurrent update committed can never overwrite the fresher profile that update wrote.
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded.updatedAt and decoded.updatedAt > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
`;

interface CachedProfile
  extends Omit<UserProfile, "createdAt" | "updatedAt" | "lastLoginAt" | "businessVerifiedAt"> {
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
  businessVerifiedAt?: number | null;
}

const toDate = (value: number | null | undefined) =>
  value === null || value === undefined ? null : new Date(value);

declare module "ioredis" {
  interface RedisCommander<Context> {
    setProfileIfNewer(key: string, json: string, updatedAt: number, ttl: number): Result<number, Context>;
  }
}

/** What a unit of work queues for the profile cache: written after the commit, never before. */
export interface ProfileCacheWrites {
  cacheProfile(user: UserProfile): void;
}

/**
 * The profile cache (Redis, `PROFILE_CACHE_TTL_SECONDS`). Every change to a user writes the new
 * profile through (`put`), so a role or an `isActive` flag is never read stale after a change.
 * `put` and `evict` then call `onChange`, which tells open WebSocket connections of the user to
 * re-check their authorization (see server/connection.guard.ts).
 */
export class UserCache {
  private readonly redis: RedisClient;
  private readonly ttlSeconds: number;
  private readonly onChange: (userId: string) => void;

  constructor(deps: {
    redis: RedisClient;
    ttlSeconds: number;
    onChange?: (userId: string) => void;
  }) {
    this.redis = deps.redis;
    this.ttlSeconds = deps.ttlSeconds;
    this.onChange = deps.onChange ?? (() => undefined);
    this.redis.defineCommand("setProfileIfNewer", { numberOfKeys: 1, lua: SET_IF_NEWER });
  }

  decode(json: string | null | undefined): UserProfile | undefined {
    if (!json) return undefined;
    const cached = JSON.parse(json) as CachedProfile;
    return {
      ...cached,
      createdAt: new Date(cached.createdAt),
      updatedAt: new Date(cached.updatedAt),
      lastLoginAt: toDate(cached.lastLoginAt),
      // Profiles cached before the field existed lack it (and the status): null until refreshed.
      businessNumberStatus: cached.businessNumberStatus ?? null,
      businessVerifiedAt: toDate(cached.businessVerifiedAt),
    };
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    return this.decode(await this.redis.get(RedisKeys.profile(userId)));
  }

  /** The cached profile, or `fetch`ed and cached when it is not there. */
  async load(
    userId: string,
    fetch: (id: string) => Promise<UserProfile | null>,
  ): Promise<UserProfile | null> {
    const cached = await this.get(userId);
    if (cached) return cached;
    return this.fill(userId, fetch);
  }

  /** Fetches from the database and caches; for callers that already know the cache missed. */
  async fill(
    userId: string,
    fetch: (id: string) => Promise<UserProfile | null>,
  ): Promise<UserProfile | null> {
    const profile = await fetch(userId);
    if (profile) await this.write(profile);
    return profile;
  }

  /** Writes a changed profile through; call after every change to a user. */
  async put(profile: UserProfile): Promise<void> {
    await this.write(profile);
    this.onChange(profile.id);
  }

  async evict(userId: string): Promise<void> {
    await this.redis.del(RedisKeys.profile(userId));
    this.onChange(userId);
  }

  private async write(profile: UserProfile): Promise<void> {
    const cached: CachedProfile = {
      ...profile,
      createdAt: profile.createdAt.getTime(),
      updatedAt: profile.updatedAt.getTime(),
      lastLoginAt: profile.lastLoginAt?.getTime() ?? null,
      businessVerifiedAt: profile.businessVerifiedAt?.getTime() ?? null,
    };
    await this.redis.setProfileIfNewer(
      RedisKeys.profile(profile.id),
      JSON.stringify(cached),
      cached.updatedAt,
      this.ttlSeconds,
    );
  }
}
