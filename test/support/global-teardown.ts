import { deleteRedisKeys } from "../../scripts/dev-services";
import { dropDatabase } from "./test-db";

export default async function globalTeardown(): Promise<void> {
  const name = process.env.TEST_DATABASE_NAME;
  if (name && !process.env.KEEP_TEST_DATABASE) await dropDatabase(name);
  const prefix = process.env.TEST_REDIS_PREFIX;
  if (!prefix) return;
  await deleteRedisKeys(process.env.TEST_REDIS_URL!, prefix);
}
