import { randomUUID } from "node:crypto";
import type { Role } from "../../src/users/user.model";
import { PROFILE_SELECT } from "../../src/users/user.model";
import type { TestServer } from "./test-server";

/**
 * Changes to users that have no API of their own yet (the admin operations arrive with another
 * issue): written as the admin services will, the row through Prisma and then the profile cache,
 * whose write-through tells open connections to re-check.
 */
export async function updateUser(
  server: TestServer,
  userId: string,
  data: { role?: Role; isActive?: boolean },
): Promise<void> {
  const profile = await server.container.db.user.update({
    where: { id: userId },
    data,
    select: PROFILE_SELECT,
  });
  await server.container.cache.put(profile);
}

/** The claims of one of our JWTs, unverified (the test made it). */
export function claimsOf(token: string): { sub: string; sid: string; exp: number; role: string } {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
}

/**
 * An access token for the same user and session as `token` that expires `seconds` from now
 * (negative: already expired), signed with the server's key.
 */
export function accessTokenExpiringIn(server: TestServer, token: string, seconds: number): string {
  const claims = claimsOf(token);
  const { tokens } = server.container;
  const issuedAt = Math.floor(Date.now() / 1000) + seconds - tokens.accessTtlSeconds;
  return tokens.sign(
    "access",
    { id: claims.sub, role: claims.role, email: "unused@example.com" },
    claims.sid,
    randomUUID(),
    issuedAt,
  );
}
