import { defineConfig } from "prisma/config";

// Prisma 7 CLI settings. Only `prisma generate` is used from this CLI: migrations are applied by
// src/db/migrate.ts (see README, "Database migrations").
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
