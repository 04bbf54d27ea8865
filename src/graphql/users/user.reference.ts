import type { GraphQLContext } from "../context";
import type { UserProfile } from "../../users/user.model";

/**
 * Resolves a `User` another subgraph refers to (`{ __typename: "User", id }`) through the
 * request's DataLoader, so one `_entities` call costs one SQL statement however many users it
 * names. Which fields the caller may read is decided by the User field rules, as for `me`.
 */
export function resolveUserReference(
  reference: { id: string },
  ctx: GraphQLContext,
): Promise<UserProfile | null> {
  return ctx.loaders.users.load(reference.id);
}
