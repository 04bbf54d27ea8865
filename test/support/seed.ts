import type { Container } from "../../src/composition/container";
import { PASSWORD, uniqueEmail } from "./factories";

/**
 * Puts an account straight into the database, with any role: for tests that need an ADMIN before
 * the API can make one. Nothing is cached for it yet, so the gateway reads it fresh.
 */
export async function seedUser(
  container: Container,
  options: { email?: string; password?: string; name?: string; role?: "USER" | "MODERATOR" | "ADMIN" } = {},
): Promise<{ id: string; email: string; password: string; role: string }> {
  const email = options.email ?? uniqueEmail(options.role?.toLowerCase() ?? "user");
  const password = options.password ?? PASSWORD;
  const user = await container.db.user.create({
    data: {
      email,
      name: options.name ?? "Seeded User",
      passwordHash: await container.hasher.hash(password),
      role: options.role ?? "USER",
      isVerified: true,
    },
    select: { id: true, email: true, role: true },
  });
  return { ...user, password };
}
