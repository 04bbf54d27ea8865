import Redis from "ioredis";
import { dropDatabase } from "./test-db";

export default async function globalTeardown(): Promise<void> {
  const name = process.env.TEST_DATABASE_NAME;
  if (name && !process.env.KEEP_TEST_DATABASE) await dropDatabase(name);
  const prefix = process.env.TEST_REDIS_PREFIX;
  if (!prefix) return;
  const redis = new Redis(process.env.TEST_REDIS_URL!);
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
