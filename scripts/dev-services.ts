// The admin side of the PostgreSQL and Redis that tests, the benchmark and the schema tooling run
// against: throwaway databases and key prefixes, made and removed. One copy, used by
// test/support, bench/ and scripts/.
import Redis from "ioredis";
import { Client } from "pg";

/** The same server URL pointing at another database (drops `?schema=` and other params). */
export function urlForDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  url.search = "";
  return url.toString();
}

/** Creates and drops databases on the server `adminUrl` connects to. */
export function databaseServer(adminUrl: string) {
  async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  return {
    withAdmin,
    urlFor: (name: string) => urlForDatabase(adminUrl, name),
    /** Creates an empty database and returns its URL. */
    async create(name: string): Promise<string> {
      await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
      return urlForDatabase(adminUrl, name);
    },
    async drop(name: string): Promise<void> {
      // WITH (FORCE) (Postgres 13+) ends sessions a crashed process may have left behind.
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Deletes every key under `prefix` (a run's own key space) without blocking Redis. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
