-- DropIndex
DROP INDEX "AccountToken_userId_purpose_idx";

-- AlterTable: the lockout moved to Redis, keyed by address (auth/lockout.ts); locks in force at
-- the upgrade end with it.
ALTER TABLE "User" DROP COLUMN "failedLoginAttempts",
DROP COLUMN "lockedUntil";

-- Keep only the newest token of each user and purpose before the unique index (the service
-- already replaced older ones; concurrent requests could leave two).
DELETE FROM "AccountToken" a USING "AccountToken" b
WHERE a."userId" = b."userId" AND a."purpose" = b."purpose"
  AND (a."createdAt", a."id") < (b."createdAt", b."id");

-- CreateIndex
CREATE UNIQUE INDEX "AccountToken_userId_purpose_key" ON "AccountToken"("userId", "purpose");
