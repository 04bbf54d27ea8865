import { buildPlaygroundAssets } from "../../scripts/build-playground";
import { applyMigrations } from "../../src/db/migrate";
import { createDatabase, uniqueName } from "./test-db";

/**
 * One database and one Redis key prefix per test run, so runs never see each other's data. The
 * variables set here are inherited by the test workers.
 */
export default async function globalSetup(): Promise<void> {
  // The gateway serves the playground from dist/public/playground: build it from the current sources.
  buildPlaygroundAssets();
  const name = uniqueName("identity_test");
  const url = await createDatabase(name);
  await applyMigrations(url, { log: () => undefined });
  process.env.TEST_DATABASE_NAME = name;
  process.env.TEST_DATABASE_URL = url;
  process.env.TEST_REDIS_URL ??= "redis://127.0.0.1:6379";
  process.env.TEST_REDIS_PREFIX = `${name}:`;
}
